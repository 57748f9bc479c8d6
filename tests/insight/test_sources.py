"""The real statistics in insight/data/, loaded by `manage.py load_statistics`, checked against
the source files themselves."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from samhandling.insight import definitions, sources
from samhandling.insight.models import (
    ImportBatch,
    Indicator,
    Observation,
    ObservationRevision,
    RegionCodeChange,
    Status,
)
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db
SIX_PLACES = Decimal("0.000001")


def _read(name: str) -> list[dict[str, str]]:
    with (sources.DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """load_statistics once for the module (it takes seconds), in a transaction that is rolled
    back afterwards; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        if Region.objects.count() < 380:
            call_command("load_regions", stdout=io.StringIO())
        out = io.StringIO()
        call_command("load_statistics", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def value(code: str, region: str, period: str, breakdown: str = "") -> Observation:
    return Observation.objects.get(
        indicator__code=code, region__code=region, period=period, breakdown=breakdown
    )


def test_every_file_is_loaded_with_one_observation_per_value(loaded: str) -> None:
    nav, telemark = _read(sources.NAV_FILE), _read(sources.TELEMARK_FILE)
    assert f"{sources.TELEMARK_FILE}: {len(telemark)} rows, {len(telemark)} created" in loaded
    assert f"{sources.NAV_FILE}: {2 * len(nav)} rows, {2 * len(nav)} created" in loaded
    # Population: 357 municipalities + 15 counties + the country, 7 years, 3 breakdowns; the
    # share for every year, the change for every year after 2020.
    per_year = (357 + 15 + 1) * 3
    counts = {
        code: Observation.objects.filter(indicator__code=code).count()
        for code in (
            definitions.POPULATION_0_24,
            definitions.POPULATION_0_24_SHARE,
            definitions.POPULATION_0_24_CHANGE,
        )
    }
    assert counts == {
        definitions.POPULATION_0_24: 7 * per_year,
        definitions.POPULATION_0_24_SHARE: 7 * per_year,
        definitions.POPULATION_0_24_CHANGE: 6 * per_year,
    }
    assert Indicator.objects.filter(code__in=definitions.BY_CODE).count() == len(
        definitions.DEFINITIONS
    )
    assert RegionCodeChange.objects.count() == len(_read(sources.CODE_CHANGES_FILE))


def test_population_0_24_of_skien_in_2025_is_the_files_figure(loaded: str) -> None:
    [row] = [
        r
        for r in _read(sources.POPULATION_FILE)
        if (r["kommunenummer"], r["aar"], r["kjonn"]) == ("4003", "2025", "alle")
    ]
    assert value(definitions.POPULATION_0_24, "4003", "2025").value == Decimal(row["sum_0_24"])
    assert value(definitions.POPULATION_0_24, "4003", "2025").value == 15559
    assert value(definitions.POPULATION_0_24, "4003", "2025", sources.FEMALE).value == 7498


def test_the_countrys_share_aged_0_24_is_computed_from_the_sums(loaded: str) -> None:
    rows = [r for r in _read(sources.POPULATION_FILE) if (r["aar"], r["kjonn"]) == ("2025", "alle")]
    young = sum(int(r["sum_0_24"]) for r in rows)
    everyone = sum(int(r["alle_aldre"]) for r in rows)
    assert everyone == 5_594_340  # SSB's published national total for 1 January 2025
    share = value(definitions.POPULATION_0_24_SHARE, "NO", "2025")
    assert share.value == (Decimal(100) * young / everyone).quantize(SIX_PLACES)
    assert value(definitions.POPULATION_0_24, "NO", "2025").value == young


def test_a_countys_change_since_2020_is_computed_from_its_municipalities(loaded: str) -> None:
    telemark = set(
        Region.objects.filter(parent__code="40", kind="municipality").values_list("code", flat=True)
    )
    young = {
        year: sum(
            int(r["sum_0_24"])
            for r in _read(sources.POPULATION_FILE)
            if r["kommunenummer"] in telemark and (r["aar"], r["kjonn"]) == (year, "alle")
        )
        for year in ("2020", "2026")
    }
    expected = Decimal(100) * (young["2026"] - young["2020"]) / young["2020"]
    change = value(definitions.POPULATION_0_24_CHANGE, "40", "2026")
    assert change.value == expected.quantize(SIX_PLACES)
    assert not Observation.objects.filter(
        indicator__code=definitions.POPULATION_0_24_CHANGE, period="2020"
    ).exists()


def test_estimated_population_figures_say_so(loaded: str) -> None:
    assert "Ålesund" in value(definitions.POPULATION_0_24, "1580", "2021").note
    assert value(definitions.POPULATION_0_24, "1580", "2024").note == ""


def test_shares_between_0_and_1_are_stored_in_per_cent(loaded: str) -> None:
    child_welfare = value("child_welfare_measures_0_17", "NO", "2015")
    assert (child_welfare.value, child_welfare.status) == (Decimal("4.3"), "")
    assert value("kindergarten_coverage_1_5", "NO", "2020").value == Decimal("92.7")
    # Figures the publisher gives in per cent are kept as they are.
    assert value("neet_15_29", "4001", "2024").value == Decimal("10.8")


def test_grades_are_indicators_and_sexes_are_breakdowns(loaded: str) -> None:
    assert value("reading_lowest_level_5th_grade", "NO", "2022/23-2024/25").value == Decimal("24.9")
    assert value("reading_lowest_level_8th_grade", "NO", "2022/23-2024/25").value == Decimal("11.1")
    overweight = Observation.objects.filter(
        indicator__code="overweight_obesity_17", region__code="NO", period="2013-2016"
    )
    assert dict(overweight.values_list("breakdown", "value")) == {
        "": Decimal("22.5"),
        sources.MALE: Decimal("24.5"),
        sources.FEMALE: Decimal("20.4"),
    }


def test_suppressed_values_stay_suppressed_and_are_never_zero(loaded: str) -> None:
    empty = [r for r in _read(sources.TELEMARK_FILE) if not r["verdi"].strip()]
    suppressed = Observation.objects.filter(status=Status.SUPPRESSED)
    assert suppressed.count() == len(empty) == 111
    assert not suppressed.exclude(value=None).exists()


def test_nav_regions_given_by_name_get_their_codes(loaded: str) -> None:
    agder = value(definitions.NAV_COUNT, "42", "2011M01")
    assert (agder.value, agder.year) == (3092, 2011)
    assert value(definitions.NAV_SHARE, "42", "2011M01").value == Decimal("7.1")
    assert value(definitions.NAV_COUNT, "NO", "2011M01").value == 39085
    assert Observation.objects.filter(
        indicator__code=definitions.NAV_SHARE, region__code="55", breakdown=sources.MALE
    ).exists()  # Troms, named "Troms" in the file and "Troms - Romsa - Tromssa" in the registry
    counts_without_value = Observation.objects.filter(
        indicator__code=definitions.NAV_COUNT, region__code="4032", value=None
    )
    assert counts_without_value.exists()
    assert set(counts_without_value.values_list("status", flat=True)) == {Status.MISSING}


def test_code_changes_keep_fhis_weights_for_a_split(loaded: str) -> None:
    split = RegionCodeChange.objects.filter(old_code="1507", from_year=2020)
    assert dict(split.values_list("new_code", "weight")) == {
        "1508": Decimal("0.5"),
        "1580": Decimal("0.5"),
    }


def test_running_it_again_changes_nothing(loaded: str) -> None:
    observations, batches = Observation.objects.count(), ImportBatch.objects.count()
    out = io.StringIO()
    call_command("load_statistics", stdout=out)
    assert "Statistics: 0 created, 0 updated" in out.getvalue()
    assert (Observation.objects.count(), ImportBatch.objects.count()) == (observations, batches)
    assert not ObservationRevision.objects.exists()


def test_a_broken_source_file_writes_nothing_and_names_its_line(
    loaded: str, tmp_path: Path
) -> None:
    lines = (sources.DATA / sources.TELEMARK_FILE).read_text(encoding="utf-8").splitlines()
    changed = lines[1].replace(",0.043,", ",0.05,")  # Hele landet 2015: 4.3 % → 5 %
    broken = lines[2].replace(",land,0,", ",land,77,")
    path = tmp_path / sources.TELEMARK_FILE
    path.write_text("\n".join([lines[0], changed, broken]) + "\n", encoding="utf-8")
    outcome = sources.load_file(path, sources.telemark_rows)
    with translation.override(settings.LANGUAGE_CODE):  # the loader's language, as it runs
        expected = gettext("line %(line)s") % {"line": 3}
    assert [problem.position for problem in outcome.errors] == [expected]
    assert value("child_welfare_measures_0_17", "NO", "2015").value == Decimal("4.3")
    assert ImportBatch.objects.get(file_name=path.name, state=ImportBatch.State.FAILED)


def test_a_newer_source_file_updates_the_value_and_keeps_the_old_one(
    loaded: str, tmp_path: Path
) -> None:
    lines = (sources.DATA / sources.TELEMARK_FILE).read_text(encoding="utf-8").splitlines()
    path = tmp_path / sources.TELEMARK_FILE
    path.write_text(lines[0] + "\n" + lines[1].replace(",0.043,", ",0.05,") + "\n", "utf-8")
    outcome = sources.load_file(path, sources.telemark_rows)
    assert (outcome.created, outcome.updated) == (0, 1)
    observation = value("child_welfare_measures_0_17", "NO", "2015")
    assert observation.value == 5
    assert [r.value for r in observation.revisions.all()] == [Decimal("4.3")]
