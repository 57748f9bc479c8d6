"""The indicators the knowledge base knows: what each one measures, who publishes it, and which
way is better.

`manage.py load_statistics` writes these definitions (an upsert by code) before it loads the
values in `insight/data/` (converters in `sources.py`). Shares that a publisher gives as a
fraction (0–1) are stored in per cent, and the descriptions say so. Codes are ours and stable;
`source_codes` are the publisher's codes that mean the indicator in an imported file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .models import Better, Indicator, Topic, Unit

SSB = "SSB (Statistisk sentralbyrå)"
FHI = "FHI (Folkehelseinstituttet)"
NAV = "NAV"
SSB_LICENCE = "CC BY 4.0 – Kilde: Statistisk sentralbyrå"
FHI_LICENCE = "NLOD 2.0 / CC BY 4.0 – Kilde: Folkehelseinstituttet"
NAV_LICENCE = "NLOD 2.0 – Kilde: NAV"
FHI_TABLE = "https://statistikk-data.fhi.no/api/open/v1/nokkel/Table/{}"
SSB_TABLE = "https://www.ssb.no/statbank/table/{}"

PER_CENT_NB = " FHI oppgir en andel mellom 0 og 1; her er den regnet om til prosent."
PER_CENT_EN = " FHI gives a share between 0 and 1; it is stored here in per cent."
STANDARDISED_NB = (
    " Tallet er et standardisert gjennomsnitt over flere år (FHI), så kommuner med ulik "
    "sammensetning kan sammenlignes."
)
STANDARDISED_EN = (
    " The figure is a standardised average over several years (FHI), so that municipalities "
    "with a different make-up can be compared."
)

# The codes other modules use.
POPULATION_BY_SEX_AGE = "population_by_sex_age"
POPULATION_0_24 = "population_0_24"
POPULATION_0_24_SHARE = "population_0_24_share"
POPULATION_0_24_CHANGE = "population_0_24_change_since_2020"
NAV_COUNT = "nav_reduced_work_capacity_18_29"
NAV_SHARE = "nav_reduced_work_capacity_18_29_share"


@dataclass(frozen=True)
class Definition:
    """One indicator as `Indicator` stores it (the same field names)."""

    code: str
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    topic: str
    unit: str
    better: str
    publisher: str
    licence: str
    decimals: int = 1
    age_group: str = ""
    source_table: str = ""
    source_url: str = ""
    origin: str = Indicator.Origin.OFFICIAL
    source_codes: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The model fields other than the code."""
        values = asdict(self)
        del values["code"]
        return values


DEFINITIONS: tuple[Definition, ...] = (
    # — Population (SSB 07459) and what is derived from it —
    Definition(
        code=POPULATION_BY_SEX_AGE,
        name_nb="Folkemengde etter kjønn og alder",
        name_en="Population by sex and age",
        description_nb=(
            "Antall bosatte 1. januar etter kjønn og ettårig alder (SSB tabell 07459). "
            "Oppdelingen følger SSBs koder, for eksempel «Kjonn=1;Alder=005» for gutter på 5 år."
        ),
        description_en=(
            "Residents on 1 January by sex and single year of age (SSB table 07459). The "
            "breakdown follows SSB's codes, e.g. “Kjonn=1;Alder=005” for boys aged 5."
        ),
        topic=Topic.POPULATION,
        unit=Unit.COUNT,
        decimals=0,
        better=Better.NEITHER,
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 07459 (Befolkning, etter region, kjønn, alder)",
        source_url=SSB_TABLE.format("07459"),
        source_codes=["Personer1"],
    ),
    Definition(
        code=POPULATION_0_24,
        name_nb="Barn og unge 0–24 år",
        name_en="Children and young people aged 0–24",
        description_nb=(
            "Antall bosatte 0–24 år 1. januar, summen av SSBs ettårige aldre (tabell 07459, "
            "etter kommunegrensene fra 2024, via FHI). For fylket og landet er det summen av "
            "kommunene. Totalt og for hvert kjønn."
        ),
        description_en=(
            "Residents aged 0–24 on 1 January, the sum of SSB's single years of age (table "
            "07459, on the 2024 municipal borders, via FHI). For a county and the country it is "
            "the sum of the municipalities. In total and for each sex."
        ),
        topic=Topic.POPULATION,
        unit=Unit.COUNT,
        decimals=0,
        better=Better.NEITHER,
        age_group="0–24",
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 07459 via FHI csdata (nor_population_by_age_b2024)",
        source_url=SSB_TABLE.format("07459"),
        origin=Indicator.Origin.DERIVED,
    ),
    Definition(
        code=POPULATION_0_24_SHARE,
        name_nb="Andel av befolkningen som er 0–24 år",
        name_en="Share of the population aged 0–24",
        description_nb=(
            "Bosatte 0–24 år i prosent av alle bosatte 1. januar. Regnet ut her fra SSB tabell "
            "07459; for fylket og landet fra summene av kommunene."
        ),
        description_en=(
            "Residents aged 0–24 in per cent of all residents on 1 January. Computed here from "
            "SSB table 07459; for a county and the country from the sums of the municipalities."
        ),
        topic=Topic.POPULATION,
        unit=Unit.PERCENT,
        better=Better.NEITHER,
        age_group="0–24",
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 07459 via FHI csdata (nor_population_by_age_b2024)",
        source_url=SSB_TABLE.format("07459"),
        origin=Indicator.Origin.DERIVED,
    ),
    Definition(
        code=POPULATION_0_24_CHANGE,
        name_nb="Endring i antall 0–24 år siden 2020",
        name_en="Change in the number aged 0–24 since 2020",
        description_nb=(
            "Hvor mange prosent flere (eller færre, negativt tall) bosatte 0–24 år det er enn "
            "1. januar 2020, med dagens kommunegrenser. Regnet ut her fra SSB tabell 07459."
        ),
        description_en=(
            "How many per cent more (or fewer, a negative number) residents aged 0–24 there are "
            "than on 1 January 2020, on today's municipal borders. Computed here from SSB table "
            "07459."
        ),
        topic=Topic.POPULATION,
        unit=Unit.PERCENT,
        better=Better.NEITHER,
        age_group="0–24",
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 07459 via FHI csdata (nor_population_by_age_b2024)",
        source_url=SSB_TABLE.format("07459"),
        origin=Indicator.Origin.DERIVED,
    ),
    # — FHI and SSB indicators on children and youth (Telemark, the county and the country) —
    Definition(
        code="child_welfare_measures_0_17",
        name_nb="Barn med barnevernstiltak (0–17 år)",
        name_en="Children receiving child welfare measures (0–17)",
        description_nb=(
            "Andel barn 0–17 år som har tiltak fra barnevernet, i prosent av alle barn 0–17 år."
            + PER_CENT_NB
            + " Et høyt tall kan bety store behov, men også at barnevernet fanger dem opp."
        ),
        description_en=(
            "Share of children aged 0–17 who receive measures from the child welfare service, "
            "in per cent of all children aged 0–17."
            + PER_CENT_EN
            + " A high figure can mean great needs, but also that the service reaches them."
        ),
        topic=Topic.CHILD_WELFARE,
        unit=Unit.PERCENT,
        better=Better.NEITHER,
        age_group="0–17",
        publisher=FHI,
        licence=FHI_LICENCE,
        source_table="FHI Kommunehelsa, nøkkeltall tabell 337 (barnevernstiltak)",
        source_url=FHI_TABLE.format(337),
        source_codes=["barnevernstiltak_andel_0_17"],
    ),
    Definition(
        code="persistent_low_income_0_17",
        name_nb="Barn i husholdninger med vedvarende lavinntekt (0–17 år)",
        name_en="Children in households with persistent low income (0–17)",
        description_nb=(
            "Andel barn 0–17 år som bor i husholdninger med vedvarende lavinntekt: under 60 "
            "prosent av medianinntekten (EU-skala) over en treårsperiode. I prosent."
        ),
        description_en=(
            "Share of children aged 0–17 living in households with persistent low income: below "
            "60 per cent of the median income (EU scale) over a three-year period. In per cent."
        ),
        topic=Topic.LIVING_CONDITIONS,
        unit=Unit.PERCENT,
        better=Better.LOWER,
        age_group="0–17",
        publisher=FHI,
        licence=FHI_LICENCE,
        source_table="FHI Kommunehelsa, nøkkeltall tabell 403 (vedvarende lavinntekt, EU60)",
        source_url=FHI_TABLE.format(403),
        source_codes=["vedvarende_lavinntekt_0_17"],
    ),
    Definition(
        code="bullying_7th_grade",
        name_nb="Elever som blir mobbet (7. trinn)",
        name_en="Pupils who are bullied (7th grade)",
        description_nb=(
            "Andel elever på 7. trinn som i Elevundersøkelsen svarer at de blir mobbet på "
            "skolen, i prosent." + PER_CENT_NB + STANDARDISED_NB
        ),
        description_en=(
            "Share of pupils in the 7th grade who answer in the Pupil Survey "
            "(Elevundersøkelsen) that they are bullied at school, in per cent."
            + PER_CENT_EN
            + STANDARDISED_EN
        ),
        topic=Topic.EDUCATION,
        unit=Unit.PERCENT,
        better=Better.LOWER,
        age_group="7. trinn",
        publisher=FHI,
        licence=FHI_LICENCE,
        source_table="FHI Kommunehelsa, nøkkeltall tabell 806 (Elevundersøkelsen, mobbing)",
        source_url=FHI_TABLE.format(806),
        source_codes=["mobbing_7_trinn"],
    ),
    Definition(
        code="well_being_10th_grade",
        name_nb="Elever som trives på skolen (10. trinn)",
        name_en="Pupils who thrive at school (10th grade)",
        description_nb=(
            "Andel elever på 10. trinn som i Elevundersøkelsen svarer at de trives på skolen, i "
            "prosent." + PER_CENT_NB + STANDARDISED_NB
        ),
        description_en=(
            "Share of pupils in the 10th grade who answer in the Pupil Survey "
            "(Elevundersøkelsen) that they thrive at school, in per cent."
            + PER_CENT_EN
            + STANDARDISED_EN
        ),
        topic=Topic.EDUCATION,
        unit=Unit.PERCENT,
        better=Better.HIGHER,
        age_group="10. trinn",
        publisher=FHI,
        licence=FHI_LICENCE,
        source_table="FHI Kommunehelsa, nøkkeltall tabell 805 (Elevundersøkelsen, trivsel)",
        source_url=FHI_TABLE.format(805),
        source_codes=["trivsel_10_trinn"],
    ),
    *(
        Definition(
            code=f"{skill}_lowest_level_{grade}th_grade",
            name_nb=f"{name_nb} på laveste mestringsnivå ({grade}. trinn)",
            name_en=f"{name_en} at the lowest level ({grade}th grade)",
            description_nb=(
                f"Andel elever på {grade}. trinn som er på det laveste mestringsnivået på de "
                f"nasjonale prøvene i {test_nb}, i prosent." + PER_CENT_NB + STANDARDISED_NB
            ),
            description_en=(
                f"Share of pupils in the {grade}th grade at the lowest level of mastery in the "
                f"national tests in {test_en}, in per cent." + PER_CENT_EN + STANDARDISED_EN
            ),
            topic=Topic.EDUCATION,
            unit=Unit.PERCENT,
            better=Better.LOWER,
            age_group=f"{grade}. trinn",
            publisher=FHI,
            licence=FHI_LICENCE,
            source_table=f"FHI Kommunehelsa, nøkkeltall tabell {table} (nasjonale prøver "
            f"{test_nb}), {grade}. trinn",
            source_url=FHI_TABLE.format(table),
        )
        for skill, name_nb, name_en, test_nb, test_en, table in (
            ("reading", "Elever i lesing", "Pupils in reading", "lesing", "reading", 670),
            ("numeracy", "Elever i regning", "Pupils in numeracy", "regning", "numeracy", 685),
        )
        for grade in (5, 8)
    ),
    Definition(
        code="overweight_obesity_17",
        name_nb="Overvekt og fedme blant 17-åringer",
        name_en="Overweight and obesity at 17",
        description_nb=(
            "Andel 17-åringer med overvekt eller fedme, etter høyde og vekt oppgitt ved sesjon, i "
            "prosent. Totalt og for gutter og jenter." + PER_CENT_NB + STANDARDISED_NB
        ),
        description_en=(
            "Share of 17-year-olds with overweight or obesity, from the height and weight given "
            "at the military session (sesjon), in per cent. In total and for boys and girls."
            + PER_CENT_EN
            + STANDARDISED_EN
        ),
        topic=Topic.HEALTH,
        unit=Unit.PERCENT,
        better=Better.LOWER,
        age_group="17",
        publisher=FHI,
        licence=FHI_LICENCE,
        source_table="FHI Kommunehelsa, nøkkeltall tabell 388 (sesjonsdata)",
        source_url=FHI_TABLE.format(388),
        source_codes=["overvekt_fedme_17_aar"],
    ),
    Definition(
        code="neet_15_29",
        name_nb="Unge utenfor arbeid og utdanning (15–29 år)",
        name_en="Young people not in work or education (15–29)",
        description_nb=(
            "Andel bosatte 15–29 år som verken er i arbeid, utdanning eller opplæring (NEET), i "
            "prosent."
        ),
        description_en=(
            "Share of residents aged 15–29 who are neither in employment, education nor "
            "training (NEET), in per cent."
        ),
        topic=Topic.WORK_AND_WELFARE,
        unit=Unit.PERCENT,
        better=Better.LOWER,
        age_group="15–29",
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 13556 (utenforskap)",
        source_url=SSB_TABLE.format(13556),
        source_codes=["unge_utenfor_arbeid_utdanning"],
    ),
    Definition(
        code="kindergarten_coverage_1_5",
        name_nb="Barn i barnehage (1–5 år)",
        name_en="Children in kindergarten (1–5)",
        description_nb=(
            "Andel barn 1–5 år som går i barnehage, i prosent av alle barn 1–5 år. SSB oppgir en "
            "andel mellom 0 og 1; her er den regnet om til prosent."
        ),
        description_en=(
            "Share of children aged 1–5 who attend kindergarten, in per cent of all children "
            "aged 1–5. SSB gives a share between 0 and 1; it is stored here in per cent."
        ),
        topic=Topic.KINDERGARTEN,
        unit=Unit.PERCENT,
        better=Better.HIGHER,
        age_group="1–5",
        publisher=SSB,
        licence=SSB_LICENCE,
        source_table="SSB 13502 (utvalgte nøkkeltall for barnehager)",
        source_url=SSB_TABLE.format(13502),
        source_codes=["barnehagedekning_1_5_aar"],
    ),
    # — NAV —
    Definition(
        code=NAV_SHARE,
        name_nb="Unge med nedsatt arbeidsevne (18–29 år), andel",
        name_en="Young people with reduced work capacity (18–29), share",
        description_nb=(
            "Personer 18–29 år som NAV har vurdert til å ha nedsatt arbeidsevne, i prosent av "
            "befolkningen 18–29 år. Månedlige tall; totalt og for hvert kjønn."
        ),
        description_en=(
            "People aged 18–29 whom NAV has assessed as having reduced work capacity, in per "
            "cent of the population aged 18–29. Monthly figures; in total and for each sex."
        ),
        topic=Topic.WORK_AND_WELFARE,
        unit=Unit.PERCENT,
        better=Better.LOWER,
        age_group="18–29",
        publisher=NAV,
        licence=NAV_LICENCE,
        source_table="NAV: personer med nedsatt arbeidsevne (via Telemark fylkeskommune)",
    ),
    Definition(
        code=NAV_COUNT,
        name_nb="Unge med nedsatt arbeidsevne (18–29 år), antall",
        name_en="Young people with reduced work capacity (18–29), number",
        description_nb=(
            "Antall personer 18–29 år som NAV har vurdert til å ha nedsatt arbeidsevne. "
            "Månedlige tall; totalt og for hvert kjønn."
        ),
        description_en=(
            "Number of people aged 18–29 whom NAV has assessed as having reduced work capacity. "
            "Monthly figures; in total and for each sex."
        ),
        topic=Topic.WORK_AND_WELFARE,
        unit=Unit.COUNT,
        decimals=0,
        better=Better.NEITHER,
        age_group="18–29",
        publisher=NAV,
        licence=NAV_LICENCE,
        source_table="NAV: personer med nedsatt arbeidsevne (via Telemark fylkeskommune)",
    ),
)

BY_CODE: dict[str, Definition] = {definition.code: definition for definition in DEFINITIONS}

# The Telemark file's (indikator, alder_trinn) → our code. Reading and numeracy are published
# per grade with no total, so each grade is an indicator of its own.
TELEMARK_FILE: dict[tuple[str, str], str] = {
    ("barnevernstiltak_andel_0_17", "0-17"): "child_welfare_measures_0_17",
    ("vedvarende_lavinntekt_0_17", "0-17"): "persistent_low_income_0_17",
    ("mobbing_7_trinn", "7. trinn"): "bullying_7th_grade",
    ("trivsel_10_trinn", "10. trinn"): "well_being_10th_grade",
    ("leseferdighet_laveste_mestringsniva", "5. trinn"): "reading_lowest_level_5th_grade",
    ("leseferdighet_laveste_mestringsniva", "8. trinn"): "reading_lowest_level_8th_grade",
    ("regneferdighet_laveste_mestringsniva", "5. trinn"): "numeracy_lowest_level_5th_grade",
    ("regneferdighet_laveste_mestringsniva", "8. trinn"): "numeracy_lowest_level_8th_grade",
    ("overvekt_fedme_17_aar", "17 år"): "overweight_obesity_17",
    ("unge_utenfor_arbeid_utdanning", ""): "neet_15_29",
    ("barnehagedekning_1_5_aar", "1-5 år"): "kindergarten_coverage_1_5",
}
