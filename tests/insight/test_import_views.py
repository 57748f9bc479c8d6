"""The upload page: validate first, import in the background, show progress and every error."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.insight import import_tasks, importers
from samhandling.insight.models import ImportBatch, Indicator, Observation, RegionCodeChange
from samhandling.organisations.models import Organisation, Region, Role

FIXTURES = Path(__file__).parent / "fixtures"
JSONSTAT = FIXTURES / "ssb_07459_telemark_0_24_2024_2026_jsonstat2_avledet.json"
VALUES = 2550  # 17 municipalities × 2 sexes × 25 ages × 3 years
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(regions: None) -> Indicator:
    return Indicator.objects.create(
        code="population_by_sex_age", name_nb="Folkemengde", name_en="Population",
        topic="population", unit="count", decimals=0, publisher="SSB", source_table="07459",
        source_codes=["Personer1"],
    )  # fmt: skip


@pytest.fixture
def analyst(skien: Region, make_user: Callable[..., User]) -> User:
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return make_user(administration, Role.ANALYST, username="analyst")


@pytest.fixture
def analyst_client(analyst: User, signed_in: Callable[[User], Client]) -> Client:
    client = signed_in(analyst)
    client.cookies["django_language"] = "en"
    return client


def upload(client: Client, content: bytes, name: str, **fields: str) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "format": "auto", **fields}
    return client.post(reverse("insight:imports"), data, HTTP_ACCEPT_LANGUAGE="en")


def run_queued(batch: ImportBatch, **arguments: Any) -> str:
    return import_tasks.import_upload.call(batch.pk, language="en", **arguments)


def test_a_valid_upload_is_queued_and_the_task_imports_it(
    analyst_client: Client, population: Indicator, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(analyst_client, JSONSTAT.read_bytes(), JSONSTAT.name)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:import_detail", args=[batch.pk])
    assert (batch.state, batch.rows, batch.format) == ("queued", VALUES, "jsonstat")
    assert bytes(batch.upload) == JSONSTAT.read_bytes() and len(callbacks) == 1
    assert Observation.objects.count() == 0

    page = analyst_client.get(response["Location"])
    assert b'hx-trigger="every 1s"' in page.content and b"<progress" in page.content

    assert run_queued(batch) == "done"
    batch.refresh_from_db()
    assert (batch.state, batch.progress, batch.created, batch.upload) == ("done", 100, VALUES, None)
    assert Observation.objects.filter(indicator=population, batch=batch).count() == VALUES
    page = analyst_client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in page and f"Values created: {VALUES}, updated: 0," in page


def test_the_same_file_again_creates_and_updates_nothing(
    analyst_client: Client, population: Indicator, settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.TASKS = IMMEDIATE
    for _time in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(analyst_client, JSONSTAT.read_bytes(), JSONSTAT.name)
    second = ImportBatch.objects.order_by("pk").last()
    assert second is not None and response.status_code == 302
    assert (second.state, second.created, second.updated, second.unchanged) == (
        "done", 0, 0, VALUES,
    )  # fmt: skip
    page = analyst_client.get(response["Location"]).content.decode()
    assert f"Values created: 0, updated: 0, unchanged: {VALUES}." in page


def test_the_mapping_chosen_on_the_form_reaches_the_task(
    analyst_client: Client, population: Indicator, settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        upload(analyst_client, JSONSTAT.read_bytes(), "population.json", format="jsonstat",
               region_dimension="Region", period_dimension="Tid",
               fixed_indicator="population_by_sex_age")  # fmt: skip
    observation = Observation.objects.first()
    assert observation is not None  # ContentsCode is then one more breakdown dimension
    assert observation.breakdown.endswith(";ContentsCode=Personer1")
    assert ImportBatch.objects.get().state == "done"


def test_an_invalid_csv_is_refused_with_every_line_and_nothing_is_written(
    analyst_client: Client, population: Indicator, django_capture_on_commit_callbacks: Any
) -> None:
    content = (
        b"region,period,indicator,value,status\n"
        b"4003,2024,Personer1,10,\n"
        b"9999,2024,Personer1,10,\n"
        b"4003,20x4,Personer1,10,\n"
        b"4003,2025,Personer1,many,\n"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(analyst_client, content, "bad.csv")
    page = response.content.decode()
    assert response.status_code == 400 and not callbacks
    for line in ("line 3", "line 4", "line 5"):
        assert f'<th scope="row">{line}</th>' in page
    assert "unknown region code 9999" in page and "The value many is not a number." in page
    assert Observation.objects.count() == 0
    refused = ImportBatch.objects.get()  # the attempt is on record, without the file
    assert (refused.state, refused.upload, len(refused.errors)) == ("failed", None, 3)


def test_the_task_imports_in_the_uploaders_language(
    analyst_client: Client, population: Indicator, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    enqueued: list[tuple[Any, ...]] = []
    fake = SimpleNamespace(enqueue=lambda *args, **kwargs: enqueued.append((args, kwargs)))
    monkeypatch.setattr(import_tasks, "import_upload", fake)
    with django_capture_on_commit_callbacks(execute=True):
        upload(analyst_client, JSONSTAT.read_bytes(), JSONSTAT.name)
    [(args, kwargs)] = enqueued
    assert kwargs == {"fmt": "auto", "mapping": {}, "language": "en"}
    monkeypatch.undo()

    languages: list[str] = []
    real_load = importers.load

    def load(*args: Any, **kwargs: Any) -> Any:
        languages.append(translation.get_language())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(importers, "load", load)
    with translation.override("nb"):
        import_tasks.import_upload.call(*args, **kwargs)
    assert languages == ["en"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    analyst_client: Client, population: Indicator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samhandling.insight.views import imports

    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 10)
    response = upload(analyst_client, JSONSTAT.read_bytes(), JSONSTAT.name)
    assert response.status_code == 400 and b"the largest file that can be imported" in (
        response.content
    )
    assert not ImportBatch.objects.exists()


def test_a_professional_may_not_import(teacher: User, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(teacher)
    assert client.get(reverse("insight:imports")).status_code == 403
    attempt = {"file": SimpleUploadedFile("a.csv", b"x"), "format": "csv"}
    response = client.post(reverse("insight:imports"), attempt)
    assert response.status_code == 403 and not ImportBatch.objects.exists()
    assert AuditEvent.objects.filter(actor_id=teacher.pk, outcome="refused").count() == 2


def test_a_visitor_is_asked_to_sign_in(client: Client) -> None:
    for name, args in (("imports", []), ("import_detail", [1]), ("import_progress", [1])):
        response = client.get(reverse(f"insight:{name}", args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_progress_fragment_answers_only_when_something_changed(
    analyst_client: Client, analyst: User
) -> None:
    batch = ImportBatch.objects.create(
        file_name="a.csv", sha256="0" * 64, format="csv", imported_by=analyst, state="running",
        progress=40,
    )  # fmt: skip
    url = reverse("insight:import_progress", args=[batch.pk])
    assert analyst_client.get(url, {"seen": "running-40"}).status_code == 204
    fragment = analyst_client.get(url, {"seen": "running-20"}).content.decode()
    assert 'value="40"' in fragment and 'hx-swap-oob="innerHTML"' in fragment
    assert "Importing: 40 % done." in fragment and "<html" not in fragment


def test_the_list_shows_recent_imports_in_a_fixed_number_of_queries(
    analyst_client: Client, analyst: User, django_assert_max_num_queries: Any
) -> None:
    for number in range(5):
        ImportBatch.objects.create(file_name=f"file{number}.csv", sha256="0" * 64,
                                   format="csv", imported_by=analyst, state="done")  # fmt: skip
    with django_assert_max_num_queries(12):
        page = analyst_client.get(reverse("insight:imports")).content.decode()
    assert all(f"file{number}.csv" in page for number in range(5))


def test_an_unknown_import_is_not_found(analyst_client: Client) -> None:
    assert analyst_client.get(reverse("insight:import_detail", args=[999])).status_code == 404


def test_values_of_a_split_municipality_are_left_out_with_a_warning(
    analyst_client: Client, population: Indicator, settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    for new_code in ("1806", "1875"):  # Tysfjord was split between Narvik and Hamarøy in 2020
        RegionCodeChange.objects.create(
            old_code="1850", new_code=new_code, weight=Decimal("0.5"), from_year=2020, to_year=2024
        )
    settings.TASKS = IMMEDIATE
    content = (
        b"region,period,indicator,value,status\n4003,2019,Personer1,10,\n1850,2019,Personer1,7,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(analyst_client, content, "old.csv")
    page = analyst_client.get(response["Location"]).content.decode()
    assert "Values created: 1," in page and "1 warning: values left out on purpose" in page
    assert '<th scope="row">line 3</th>' in page and "Region 1850 was split" in page
