"""The research download: who may use it, what the files hold, and that it is recorded.

The aggregates are stored through aggregates.store from raw figures, so every figure in a file
has been through the same suppression as the quarterly task's.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.insight import aggregates, jsonstat_out
from samhandling.insight.aggregates import Figures
from samhandling.insight.importers.jsonstat import parse
from samhandling.insight.models import Aggregate, ResearchDownload
from samhandling.organisations.models import Organisation, Region, Role

RESEARCH = reverse("insight:research")
DOWNLOAD = reverse("insight:research_download")


@pytest.fixture
def stored(skien: Region, porsgrunn: Region) -> None:
    """Skien in two quarters (with small numbers), Porsgrunn in one (too few to show)."""
    teams = {"2025Q4": {"school": 10, "school+ppt": 5, "nav": 2},
             "2026Q1": {"school": 12, "school+ppt": 5}}  # fmt: skip
    for quarter in ("2025Q4", "2026Q1"):
        aggregates.store(
            quarter,
            {
                skien.pk: Figures(
                    by_level={"0": 6, "1": 0, "2": 9, "3": 2},
                    by_team=teams[quarter],
                    level_3=2,
                    level_3_with_plan=2,
                    days_to_measure=[1, 2, 3, 4, 5, 8],
                    referrals=8,
                    referrals_in_time=5,
                    transitions=3,
                    transitions_ahead=1,
                )  # fmt: skip
            },
            scope=aggregates.Q(municipality=skien),
        )
    aggregates.store(
        "2026Q1",
        {porsgrunn.pk: Figures(by_level={"0": 2, "1": 1, "2": 0, "3": 0}, by_team={"school": 3})},
        scope=aggregates.Q(municipality=porsgrunn),
    )


@pytest.fixture
def analyst(skien: Region, make_user: Callable[..., User]) -> User:
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return make_user(administration, Role.ANALYST, username="analyst")


@pytest.fixture
def editor(make_user: Callable[..., User]) -> User:
    bufdir = Organisation.objects.create(name="Bufdir", kind=Organisation.Kind.DIRECTORATE)
    return make_user(bufdir, Role.DIRECTORATE_EDITOR, username="editor")


@pytest.fixture
def client_for(signed_in: Callable[[User], Client]) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = signed_in(user)
        client.cookies["django_language"] = "en"
        return client

    return make


def choice(**extra: Any) -> dict[str, Any]:
    return {"municipality": ["4003", "4001"], "quarter": ["2026Q1"], "format": "csv", **extra}


def test_a_visitor_is_sent_to_sign_in(client: Client, stored: None) -> None:
    for url in (RESEARCH, DOWNLOAD):
        response = client.get(url, choice())
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not ResearchDownload.objects.exists()


def test_a_professional_is_refused_and_the_refusal_is_audited(
    teacher: User, client_for: Callable[[User], Client], stored: None
) -> None:
    client = client_for(teacher)
    assert client.get(RESEARCH).status_code == 403
    assert client.get(DOWNLOAD, choice()).status_code == 403
    assert not ResearchDownload.objects.exists()
    assert AuditEvent.objects.filter(actor_id=teacher.pk, outcome="refused").count() == 2


def test_the_form_offers_the_municipalities_with_aggregates_by_county_and_the_quarters(
    analyst: User, client_for: Callable[[User], Client], stored: None
) -> None:
    response = client_for(analyst).get(RESEARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Telemark" in page and 'value="4003"' in page and 'value="4001"' in page
    assert 'value="0301"' not in page  # Oslo has no aggregates
    assert page.index('value="2026Q1"') < page.index('value="2025Q4"')  # newest first


def test_the_form_says_when_nothing_has_been_computed(
    analyst: User, client_for: Callable[[User], Client]
) -> None:
    page = client_for(analyst).get(RESEARCH).content.decode()
    assert "No aggregates have been computed yet" in page


def test_a_csv_download_has_one_row_per_figure_with_hidden_ones_marked(
    analyst: User, client_for: Callable[[User], Client], stored: None
) -> None:
    response = client_for(analyst).get(DOWNLOAD, choice())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "municipality_code", "municipality_name", "quarter", "measure", "category", "count",
        "value",
    ]  # fmt: skip
    skien = {(r["measure"], r["category"]): (r["count"], r["value"]) for r in rows
             if r["municipality_code"] == "4003"}  # fmt: skip
    assert [skien[("cases_by_level", level)] for level in ("0", "1", "2", "3", "total")] == [
        (":", ""), ("0", ""), ("9", ""), (":", ""), ("17", "")
    ]  # fmt: skip  # 2 is hidden, and so is 6 (the next smallest), else 2 = 17 - 6 - 9
    assert skien[("share_with_plan", "")] == (":", ":")  # its base, level 3, is hidden
    assert skien[("days_to_measure", "")] == ("6", "3.5")
    assert skien[("referrals_answered", "")] == ("8", "62.5")
    assert skien[("transitions_planned", "")] == (":", ":")  # from 3 transitions
    porsgrunn = [r for r in rows if r["municipality_code"] == "4001"]
    assert {r["count"] for r in porsgrunn if r["measure"] == "cases_by_level"} == {":"}
    assert {r["quarter"] for r in rows} == {"2026Q1"}
    download = ResearchDownload.objects.get()
    assert (download.user, download.format) == (analyst, "csv")
    assert (download.municipalities, download.quarters) == (["4001", "4003"], ["2026Q1"])
    assert AuditEvent.objects.filter(actor_id=analyst.pk, action="export").exists()


def valid_json_stat(document: dict[str, Any]) -> None:
    """What JSON-stat 2.0 requires of a dataset: id, size and dimensions agree, and there are
    as many values as the sizes multiply to; every status points at a value."""
    assert document["version"] == "2.0" and document["class"] == "dataset"
    assert len(document["id"]) == len(document["size"]) == len(document["dimension"])
    for name, size in zip(document["id"], document["size"], strict=True):
        category = document["dimension"][name]["category"]
        assert len(category["index"]) == size == len(set(category["index"]))
        assert set(category["label"]) == set(category["index"])
    assert len(document["value"]) == math.prod(document["size"])
    assert all(0 <= int(index) < len(document["value"]) for index in document["status"])
    for role in document["role"].values():
        assert set(role) <= set(document["id"])


def test_a_json_stat_download_is_valid_and_reads_back_through_our_importer(
    editor: User, client_for: Callable[[User], Client], stored: None
) -> None:
    response = client_for(editor).get(
        DOWNLOAD, choice(format="jsonstat", quarter=["2025Q4", "2026Q1"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    valid_json_stat(document)
    assert document["size"] == [2, 2, len(document["dimension"]["measure"]["category"]["index"])]
    parsed = parse(response.content)
    assert parsed.errors == []
    read = {(row.region, row.period, row.indicator): (row.value, row.status)
            for row in parsed.rows}  # fmt: skip
    for aggregate in Aggregate.objects.select_related("municipality"):
        where = (aggregate.municipality.code, aggregate.quarter)
        if aggregate.category:
            expected = (None, "suppressed") if aggregate.suppressed else (
                Decimal(aggregate.count or 0), "")  # fmt: skip
            assert read[(*where, f"{aggregate.measure}.{aggregate.category}")] == expected
        elif aggregate.suppressed:
            assert read[(*where, aggregate.measure)] == (None, "suppressed")
            assert read[(*where, f"{aggregate.measure}.count")] == (None, "suppressed")
        else:
            assert read[(*where, aggregate.measure)][0] == aggregate.value
            assert read[(*where, f"{aggregate.measure}.count")][0] == aggregate.count
    # Porsgrunn has no 2025Q4: not available, not zero
    assert read[("4001", "2025Q4", "cases_by_level.0")] == (None, "missing")
    # a team combination Skien did not have is 0 there; Porsgrunn's table is hidden whole
    assert read[("4003", "2026Q1", "cases_by_sectors.nav")] == (0, "")
    assert read[("4001", "2026Q1", "cases_by_sectors.school+ppt")] == (None, "suppressed")
    assert ResearchDownload.objects.get().format == "jsonstat"


def test_an_empty_dataset_is_still_valid_json_stat(db: None) -> None:
    valid_json_stat(jsonstat_out.dataset([]))


def test_a_download_without_a_choice_shows_the_form_again_with_its_messages(
    analyst: User, client_for: Callable[[User], Client], stored: None
) -> None:
    response = client_for(analyst).get(DOWNLOAD, {"format": "csv"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one municipality." in page
    assert "Choose at least one quarter." in page
    assert not ResearchDownload.objects.exists()


def test_a_municipality_or_quarter_without_aggregates_cannot_be_chosen(
    analyst: User, client_for: Callable[[User], Client], stored: None
) -> None:
    client = client_for(analyst)
    assert client.get(DOWNLOAD, choice(municipality=["0301"])).status_code == 400
    assert client.get(DOWNLOAD, choice(quarter=["2024Q1"])).status_code == 400
    assert client.get(DOWNLOAD, choice(format="xlsx")).status_code == 400
    assert not ResearchDownload.objects.exists()
