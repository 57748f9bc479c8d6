"""The importers against the real JSON-stat 2.0 fixture and its expected flat form."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from samhandling.insight import importers
from samhandling.insight.models import ImportBatch, Indicator, Observation, ObservationRevision
from samhandling.organisations.models import Region

FIXTURES = Path(__file__).parent / "fixtures"
JSONSTAT = FIXTURES / "ssb_07459_telemark_0_24_2024_2026_jsonstat2_avledet.json"
EXPECTED = FIXTURES / "ssb_07459_telemark_0_24_2024_2026_forventet.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(regions: None) -> Indicator:
    return Indicator.objects.create(
        code="population_by_sex_age", name_nb="Folkemengde", name_en="Population",
        topic="population", unit="count", decimals=0, publisher="SSB", source_table="07459",
        source_codes=["Personer1"],
    )  # fmt: skip


def test_the_jsonstat_fixture_imports_to_exactly_the_expected_values(population: Indicator) -> None:
    result = importers.load(JSONSTAT.read_bytes(), JSONSTAT.name)
    assert result.ok, result.errors
    assert (result.rows, result.created) == (2550, 2550)
    with EXPECTED.open(encoding="utf-8") as file:
        expected = {
            (row["Region"], f"Kjonn={row['Kjonn']};Alder={row['Alder']}", row["Tid"]):
            Decimal(row["value"])
            for row in csv.DictReader(file)
        }  # fmt: skip
    codes = dict(Region.objects.values_list("pk", "code"))
    stored = {
        (codes[o.region_id], o.breakdown, o.period): o.value
        for o in Observation.objects.filter(indicator=population)
    }
    assert stored == expected


def test_reimporting_changes_nothing_and_a_newer_file_keeps_history(population: Indicator) -> None:
    content = JSONSTAT.read_bytes()
    importers.load(content, JSONSTAT.name)
    again = importers.load(content, JSONSTAT.name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2550)
    document = json.loads(content)
    document["value"][0] += 1
    newer = importers.load(json.dumps(document).encode(), "newer.json")
    assert (newer.created, newer.updated) == (0, 1)
    [revision] = ObservationRevision.objects.all()
    assert revision.value == Decimal(document["value"][0] - 1)


def test_one_bad_value_writes_nothing_and_says_where(population: Indicator) -> None:
    document = json.loads(JSONSTAT.read_bytes())
    document["value"][57] = "many"
    result = importers.load(json.dumps(document).encode(), "bad.json")
    assert not result.ok and Observation.objects.count() == 0
    [problem] = result.errors
    assert problem.position.startswith("value 57 (Region=4001")
    assert ImportBatch.objects.get().state == ImportBatch.State.FAILED


def test_csv_errors_have_line_numbers_and_nothing_is_written(population: Indicator) -> None:
    content = (
        b"region,period,indicator,value,status\n"
        b"4003,2024,Personer1,10,\n"
        b"9999,2024,Personer1,10,\n"
        b"4003,20x4,Personer1,10,\n"
        b"4003,2025,unknown,10,\n"
        b"4003,2026,Personer1,,\n"
        b"4003,2024,Personer1,11,\n"
    )
    result = importers.load(content, "bad.csv")
    positions = [problem.position for problem in result.errors]
    assert positions == ["line 4", "line 6", "line 3", "line 5", "line 7"]
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("999999999999.999", True),  # 15 digits: kept and read back as it was
        ("-999999999999.999", True),
        ("999999999999.999999", False),  # fits the column, but comes back from SQLite as 1e12
        ("999999999999.9999999", False),  # rounds to 1e12 at six decimals
        ("1e12", False),
    ],
)
def test_a_value_is_kept_only_if_it_can_be_read_back(
    population: Indicator, value: str, kept: bool
) -> None:
    """The same rule on both databases: a value SQLite would round up to a million million
    (Django reads a decimal back at 15 significant digits) is refused, with its line."""
    csv_file = f"region,period,indicator,value,status\n4003,2024,Personer1,{value},\n"
    json_stat = json.loads(JSONSTAT.read_bytes())
    json_stat["value"] = [float(value)] + json_stat["value"][1:]
    files = [(csv_file.encode(), "one.csv"), (json.dumps(json_stat).encode(), "one.json")]
    for content, name in files:
        result = importers.load(content, name)
        assert result.ok is kept, (name, result.errors)
        if kept:
            assert Observation.objects.filter(value=Decimal(value)).exists()
            assert all(o.value is not None for o in Observation.objects.all())  # read back
            Observation.objects.all().delete()
            ObservationRevision.objects.all().delete()
        else:
            [problem] = result.errors
            assert "out of range" in problem.message
            assert problem.position.startswith(("line 2", "value 0"))
            assert Observation.objects.count() == 0
