import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext_noop

from samhandling.organisations.models import Region

DATA = Path(__file__).resolve().parents[2] / "data"
SOURCE = "SSB Klass 104/131 and table 07459 (via FHI csdata), CC BY 4.0"

# Country names are stored in English and translated in the UI.
NORDIC_COUNTRIES = [
    ("NO", gettext_noop("Norway")),
    ("SE", gettext_noop("Sweden")),
    ("DK", gettext_noop("Denmark")),
    ("FI", gettext_noop("Finland")),
    ("IS", gettext_noop("Iceland")),
    ("FO", gettext_noop("Faroe Islands")),
    ("GL", gettext_noop("Greenland")),
    ("AX", gettext_noop("Åland")),
]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = "Loads the Nordic countries and Norway's 15 counties and 357 municipalities (2024)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        counts = {"created": 0, "updated": 0}

        def upsert(**fields: Any) -> Region:
            key = {k: fields.pop(k) for k in ("country", "kind", "code")}
            region, created = Region.objects.update_or_create(**key, defaults=fields)
            counts["created" if created else "updated"] += 1
            return region

        countries = {
            code: upsert(
                country=code,
                kind=Region.Kind.COUNTRY,
                code=code,
                name=name,
                short_name="",
                parent=None,
                source="ISO 3166-1",
            )
            for code, name in NORDIC_COUNTRIES
        }
        municipalities = _read("no_kommuner_2024.csv")
        young_by_county: dict[str, int] = {}
        for row in municipalities:
            young_by_county[row["fylkesnummer"]] = young_by_county.get(
                row["fylkesnummer"], 0
            ) + int(row["folketall_0_24_2025"])
        counties = {}
        for row in _read("no_fylker_2024.csv"):
            counties[row["fylkesnummer"]] = upsert(
                country="NO",
                kind=Region.Kind.COUNTY,
                code=row["fylkesnummer"],
                name=row["fylkesnavn"],
                short_name=row["fylkesnavn_norsk"],
                parent=countries["NO"],
                population=int(row["folketall_2025"]),
                population_0_24=young_by_county[row["fylkesnummer"]],
                population_year=2025,
                source=SOURCE,
            )
        for row in municipalities:
            upsert(
                country="NO",
                kind=Region.Kind.MUNICIPALITY,
                code=row["kommunenummer"],
                name=row["kommunenavn"],
                short_name=row["kommunenavn_norsk"],
                parent=counties[row["fylkesnummer"]],
                population=int(row["folketall_2025"]),
                population_0_24=int(row["folketall_0_24_2025"]),
                population_year=2025,
                source=SOURCE,
            )
        norway = countries["NO"]
        norway.population = sum(int(r["folketall_2025"]) for r in municipalities)
        norway.population_0_24 = sum(young_by_county.values())
        norway.population_year = 2025
        norway.source = SOURCE
        norway.save()
        self.stdout.write(
            f"Regions: {counts['created']} created, {counts['updated']} already there "
            f"({len(counties)} counties, {len(municipalities)} municipalities)."
        )
