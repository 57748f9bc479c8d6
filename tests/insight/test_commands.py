"""`manage.py import_statistics`: every file all or nothing, every error with its place."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext

from samhandling.insight import sources
from samhandling.insight.models import ImportBatch, Observation

FIXTURES = Path(__file__).parent / "fixtures"
JSONSTAT = FIXTURES / "ssb_07459_telemark_0_24_2024_2026_jsonstat2_avledet.json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(regions: None) -> None:
    sources.load_definitions()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_statistics", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_jsonstat_fixture_imports_once_and_again_changes_nothing(indicators: None) -> None:
    out, _err = run(str(JSONSTAT))
    assert "2550 rows, 2550 created, 0 updated, 0 unchanged" in out
    out, _err = run(str(JSONSTAT))
    assert "2550 rows, 0 created, 0 updated, 2550 unchanged" in out
    skien_girls_aged_5 = Observation.objects.get(
        indicator__code="population_by_sex_age",
        region__code="4003",
        period="2025",
        breakdown="Kjonn=2;Alder=005",
    )
    assert skien_girls_aged_5.value is not None


def test_a_broken_csv_prints_every_error_with_its_line_and_writes_nothing(
    indicators: None, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "region,period,indicator,value,status\n"
        "4003,2024,neet_15_29,11.5,\n"
        "9999,2024,neet_15_29,10,\n"
        "4001,20x4,neet_15_29,10,\n"
        "4005,2024,neet_15_29,,\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 files not imported"):
        call_command("import_statistics", str(broken), stdout=io.StringIO(), stderr=err)
    printed = err.getvalue()
    for number in (3, 4, 5):
        assert f"broken.csv, {gettext('line %(line)s') % {'line': number}}: " in printed
    assert "2024,neet_15_29,11.5" not in printed and printed.count("broken.csv, ") == 3
    assert not Observation.objects.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.FAILED


def test_each_file_is_all_or_nothing_on_its_own(indicators: None, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("region,period,indicator,value,status\n4003,2024,neet_15_29,11.5,\n")
    bad.write_text("region,period,indicator,value,status\n4003,2024,unknown,1,\n")
    with pytest.raises(CommandError, match="1 of 2 files not imported: .*bad.csv"):
        run(str(good), str(bad))
    [observation] = Observation.objects.all()
    assert observation.value == Decimal("11.5")


def test_a_dry_run_checks_without_writing(indicators: None) -> None:
    out, _err = run(str(JSONSTAT), "--dry-run")
    assert "2550 rows, no errors (nothing written)" in out
    assert not Observation.objects.exists() and not ImportBatch.objects.exists()


def test_jsonstat_dimensions_and_one_indicator_can_be_named(
    indicators: None, tmp_path: Path
) -> None:
    dataset = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Kommune2024", "Aargang"],
        "size": [2, 1],
        "dimension": {
            "Kommune2024": {"category": {"index": ["4003", "4001"]}},
            "Aargang": {"category": {"index": ["2024"]}},
        },
        "value": [11.5, None],
        "status": {"1": ":"},
    }
    path = tmp_path / "neet.json"
    path.write_text(json.dumps(dataset))
    with pytest.raises(CommandError):
        run(str(path))  # which dimension is the region cannot be guessed
    args = ["--region-dim", "Kommune2024", "--period-dim", "Aargang", "--indicator", "neet_15_29"]
    out, _err = run(str(path), *args)
    assert "2 rows, 2 created" in out
    stored = Observation.objects.filter(indicator__code="neet_15_29").values_list(
        "region__code", "value", "status"
    )
    assert set(stored) == {("4003", Decimal("11.5"), ""), ("4001", None, "suppressed")}


def test_a_missing_file_is_reported(indicators: None) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_statistics", "/no/such/file.csv", stdout=io.StringIO(), stderr=err)
    assert "cannot be read" in err.getvalue()
