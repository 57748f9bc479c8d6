"""Import and export of the catalogue: JSON and CSV round trips, all-or-nothing imports with
every problem in its place, and the download and upload pages.

Files are real files in tmp_path; the entries are written by the real services.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.catalogue import interchange, services
from samhandling.catalogue.interchange import Problem, Upload
from samhandling.catalogue.kinds import KINDS
from samhandling.catalogue.models import (
    Entry,
    Initiative,
    Instrument,
    Network,
    Practice,
    PracticeTranslation,
    Resource,
    Revision,
    Status,
)
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The problems are read in English here (the bokmål is tested on the import page)."""
    with translation.override("en"):
        yield


IMPORT = reverse("catalogue:import")


def export_url(kind: str, fmt: str) -> str:
    return reverse("catalogue:export", kwargs={"kind": kind, "fmt": fmt})


def empty_the_catalogue() -> None:
    for model in (Resource, Initiative, PracticeTranslation, Practice, Network, Instrument):
        model._default_manager.all().delete()
    Revision.objects.all().delete()


def counts() -> tuple[int, ...]:
    models = (*KINDS.values(), PracticeTranslation, Revision, AuditEvent)
    return tuple(model._default_manager.count() for model in models)


def without_times(document: dict[str, Any]) -> dict[str, Any]:
    """A document without when it was exported and when each entry was published."""
    kept = {key: value for key, value in document.items() if key != "exported_at"}
    for kind in KINDS:
        kept[kind] = [{k: v for k, v in e.items() if k != "published_at"} for e in kept[kind]]
    return kept


def document(**kinds: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "samhandling-catalogue", "version": 1, **kinds}


def practice(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "title": key,
        "country": "SE",
        "level": "municipal",
        "language": "sv",
        **fields,
    }


def where(problems: list[Problem]) -> set[tuple[Any, ...]]:
    """Each problem's place: (path,) for JSON, (line, column) for CSV."""
    return {(p.path,) if p.path else (p.line, p.column) for p in problems}


# --- round trips -----------------------------------------------------------------------------


def test_an_export_imported_into_an_empty_catalogue_gives_the_same_entries(
    published_demo: dict[str, Any], editor: Actor, other_editor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(interchange.export_json(), ensure_ascii=False), encoding="utf-8")
    before = json.loads(path.read_text(encoding="utf-8"))
    empty_the_catalogue()

    result = interchange.import_catalogue(path.read_bytes(), by=editor, publish_by=other_editor)

    assert result.ok, [str(problem) for problem in result.problems]
    assert result.counts == {"created": 31, "updated": 0, "unchanged": 0, "published": 31}
    assert without_times(interchange.export_json()) == without_times(before)
    network = Initiative.objects.get(key="eks-telemark-unge-utenfor").network
    assert network is not None and network.key == "eks-nettverk-telemark"
    keys = [e["key"] for e in before["initiatives"]]
    assert keys == sorted(keys)
    instrument = next(e for e in before["instruments"] if e["key"] == "0-24-samarbeidet")
    assert instrument["owners"] == [
        "Bufdir",
        "Hdir",
        "IMDi",
        "NAV Arbeids- og velferdsdirektoratet",
        "Udir",
    ]
    assert "status" not in instrument and instrument["published_at"]


def read_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    return [{k: v for k, v in row.items() if k != "published_at"} for row in rows]


def test_the_csv_of_every_kind_round_trips(
    published_demo: dict[str, Any], editor: Actor, other_editor: Actor, tmp_path: Path
) -> None:
    files = {}
    for kind in KINDS:
        files[kind] = tmp_path / interchange.file_name(kind, "csv")
        files[kind].write_text(interchange.export_csv(kind), encoding="utf-8", newline="")
    empty_the_catalogue()

    uploads = [
        Upload(path.read_bytes(), interchange.kind_from_name(path.name), path.name)
        for path in files.values()
    ]
    result = interchange.import_files(uploads, by=editor, publish_by=other_editor)

    assert result.ok, [str(problem) for problem in result.problems]
    assert result.created == {
        "instruments": 10,
        "initiatives": 4,
        "networks": 2,
        "practices": 11,
        "resources": 4,
    }
    for kind, path in files.items():
        assert read_csv(interchange.export_csv(kind)) == read_csv(path.read_text("utf-8")), kind
    header = path.read_text("utf-8").splitlines()[0].split(",")
    assert header[:2] == ["key", "origin"] and header[-1] == "published_at"
    assert "translations" not in header  # translations are in the JSON format only


def test_an_export_holds_published_entries_only(
    publish_entry: Callable[..., Entry], draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    publish_entry(Practice, **swedish, key="published")
    draft(Practice, **swedish, key="a-draft")
    withdrawn = publish_entry(Practice, **swedish, key="withdrawn")
    services.withdraw(withdrawn, by=services_actor(withdrawn))

    assert [e["key"] for e in interchange.export_json()["practices"]] == ["published"]
    assert [row["key"] for row in read_csv(interchange.export_csv("practices"))] == ["published"]


def services_actor(entry: Entry) -> Actor:
    from samhandling.organisations.actors import actor_for

    return actor_for(entry.edited_by)


def test_the_export_reads_a_fixed_number_of_queries(
    published_demo: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        document = interchange.export_json()
    assert sum(len(document[kind]) for kind in KINDS) == 31


# --- all or nothing, every problem in its place ----------------------------------------------


def test_one_wrong_entry_of_many_writes_nothing_and_every_problem_has_its_path(
    demo: dict[str, Any], editor: Actor
) -> None:
    demo["practices"][3]["age_to"] = 30
    demo["practices"][5]["colour"] = "blue"
    demo["instruments"][2]["kind"] = "lottery"
    before = counts()

    result = interchange.import_catalogue(demo, by=editor)

    assert not result.ok
    assert where(result.problems) == {
        ("practices[3].age_to",),
        ("practices[5].colour",),
        ("instruments[2].kind",),
    }
    assert counts() == before


def test_a_json_problem_names_the_line_its_entry_starts_on(editor: Actor) -> None:
    text = json.dumps(document(practices=[practice("a"), practice("b", age_from="six")]), indent=2)
    lines = text.splitlines()
    second = lines.index('      "key": "b",')  # the line after the one the entry starts on
    assert lines[second - 1] == "    {"

    [problem] = interchange.check(text.encode())

    assert problem.path == "practices[1].age_from"
    assert problem.line == second
    with translation.override("en"):
        assert problem.position == f"practices[1].age_from (the entry on line {problem.line})"
        assert problem.message == "Give a whole number."


CSV_HEADER = "key,title,country,level,language,what_was_done,age_from,age_to,sectors\r\n"


def test_csv_problems_name_the_line_and_the_column(editor: Actor) -> None:
    text = (
        CSV_HEADER
        + 'a,Ett,SE,municipal,sv,"Två rader\r\nav text",0,12,school\r\n'
        + "b,Två,SE,municipal,sv,,0,x,school\r\n"
        + "c,Tre,SE,municipal,sv,,0,12,school|casino\r\n"
        + "d,Fyra,XX,municipal,sv,,0,12,\r\n"
    )
    before = counts()

    problems = interchange.check(text.encode(), kind="practices")

    assert where(problems) == {(4, "age_to"), (5, "sectors"), (6, "country")}
    with translation.override("en"):
        assert {p.position for p in problems} >= {"line 4, column age_to"}
    result = interchange.import_catalogue(text.encode(), kind="practices", by=editor)
    assert where(result.problems) == where(problems)
    assert counts() == before


def test_a_csv_header_with_unknown_or_workflow_columns_is_refused(editor: Actor) -> None:
    text = "key,title,country,level,language,status,colour,title\r\n"
    text += "a,Ett,SE,national,sv,published,blue,Ett\r\n"
    problems = interchange.check(text, kind="practices")
    assert where(problems) == {(1, "status"), (1, "colour"), (1, "title")}


def test_a_line_with_too_many_values_is_a_problem(editor: Actor) -> None:
    problems = interchange.check(CSV_HEADER + "a,b,c\r\n", kind="practices")
    assert [(p.line, p.column) for p in problems] == [(2, "")]


def test_a_key_used_twice_is_a_problem(editor: Actor) -> None:
    json_problems = interchange.check(document(practices=[practice("same"), practice("same")]))
    csv_text = CSV_HEADER + "same,A,SE,municipal,sv,,0,1,\r\nsame,B,SE,municipal,sv,,0,1,\r\n"
    csv_problems = interchange.check(csv_text, kind="practices")

    assert where(json_problems) == {("practices[1].key",)}
    assert where(csv_problems) == {(3, "key")}
    with translation.override("en"):
        assert "first at practices[0]" in json_problems[0].message


def test_a_reference_to_nothing_known_is_a_problem(
    directorates: dict[str, Organisation], indicators: None, regions: None, editor: Actor
) -> None:
    doc = document(
        instruments=[{"key": "i", "title_nb": "I", "kind": "tool", "owners": ["Udir", "Nodir"]}],
        networks=[{"key": "n", "name_nb": "N", "members": ["4003", "9999"]}],
        initiatives=[
            {
                "key": "t",
                "title_nb": "T",
                "municipality": "0000",
                "indicators": ["no_such_code"],
                "instruments": ["i", "gone"],
            }
        ],
        resources=[{"key": "r", "title_nb": "R", "kind": "course", "practices": ["missing"]}],
    )
    before = counts()

    result = interchange.import_catalogue(doc, by=editor)

    assert where(result.problems) == {
        ("instruments[0].owners",),
        ("networks[0].members",),
        ("initiatives[0].municipality",),
        ("initiatives[0].indicators",),
        ("initiatives[0].instruments",),
        ("resources[0].practices",),
    }
    with translation.override("en"):
        messages = " ".join(problem.message for problem in result.problems)
    assert "“Nodir”" in messages and "“9999”" in messages and "“no_such_code”" in messages
    assert "“gone”" in messages and "“missing”" in messages
    assert counts() == before


def test_a_file_may_refer_to_entries_in_itself_and_in_the_catalogue(
    publish_entry: Callable[..., Entry], udir: Organisation, regions: None, editor: Actor
) -> None:
    known = publish_entry(Instrument, key="known", title_nb="Kjent", kind="tool", owners=[udir])
    doc = document(
        networks=[{"key": "new-network", "name_nb": "Nytt nettverk", "members": ["4003"]}],
        initiatives=[
            {"key": "t", "title_nb": "T", "network": "new-network", "instruments": ["known"]}
        ],
    )

    result = interchange.import_catalogue(doc, by=editor)

    assert result.ok, [str(problem) for problem in result.problems]
    initiative = Initiative.objects.get(key="t")
    assert initiative.network == Network.objects.get(key="new-network")
    assert list(initiative.instruments.all()) == [known]
    assert initiative.status == Status.DRAFT


def test_broken_json_is_reported_at_its_line_and_column(editor: Actor) -> None:
    text = (
        '{\n  "format": "samhandling-catalogue",\n  "version": 1,\n  "practices": [\n'
        '    {"key": "a",}\n  ]\n}\n'
    )
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(text)

    [problem] = interchange.check(text.encode())

    assert (problem.line, problem.column) == (5, str(error.value.colno)) == (5, "17")
    with translation.override("en"):
        assert problem.position == "line 5, column 17"
        assert problem.message.startswith("This is not valid JSON: Expecting property name")


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"format": "samhandling-catalogue", "version": 1, "practices": [' + "[" * 5000 + "]"
         * 5000 + "]}", "The JSON is nested too deeply."),
        ('{"format": "samhandling-catalogue", "practices": [{"age_to": ' + "9" * 5000 + "}]}",
         "This is not valid JSON: a number is too long."),
    ],
)  # fmt: skip
def test_hostile_json_is_a_problem_not_an_error(text: str, message: str) -> None:
    [problem] = interchange.check(text)
    with translation.override("en"):
        assert problem.message == message


def test_a_file_that_is_not_utf8_is_refused_at_its_line(editor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "practices.csv"
    path.write_bytes(
        (CSV_HEADER + "a,Ett,SE,municipal,sv,,0,1,\r\nb,Tå,SE,municipal,sv,,0,1,\r\n").encode(
            "latin-1"
        )
    )
    before = counts()

    result = interchange.import_catalogue(path.read_bytes(), kind="practices", by=editor)

    [problem] = result.problems
    assert problem.line == 3
    with translation.override("en"):
        assert "not UTF-8" in problem.message
    assert counts() == before


def test_a_file_larger_than_the_limit_is_refused(editor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_bytes(
        b'{"format": "samhandling-catalogue", "version": 1, "x": "'
        + b"a" * interchange.MAX_BYTES
        + b'"}'
    )

    result = interchange.import_catalogue(path.read_bytes(), by=editor)

    [problem] = result.problems
    with translation.override("en"):
        assert "the largest file that can be imported is 5 MB" in problem.message
    assert Revision.objects.count() == 0


def test_a_csv_file_without_its_kind_is_refused(editor: Actor) -> None:
    [problem] = interchange.check(CSV_HEADER)
    with translation.override("en"):
        assert problem.message.startswith("Say which kind of entry the CSV file holds")


def test_a_workflow_field_or_a_field_of_another_kind_cannot_be_imported(editor: Actor) -> None:
    doc = document(practices=[practice("a", status="published", version=7, title_nb="x")])
    problems = interchange.check(doc)
    assert where(problems) == {
        ("practices[0].status",),
        ("practices[0].version",),
        ("practices[0].title_nb",),
    }


def test_wrong_types_are_problems_and_a_missing_key_too(editor: Actor) -> None:
    doc = document(
        practices=[
            practice("a", age_from=True, sectors="school", title=5),
            {"title": "no key", "country": "SE", "level": "national", "language": "sv"},
            "not an object",
        ]
    )
    assert where(interchange.check(doc)) == {
        ("practices[0].age_from",),
        ("practices[0].sectors",),
        ("practices[0].title",),
        ("practices[1].key",),
        ("practices[2]",),
    }


def test_only_a_catalogue_file_of_this_version_is_read(editor: Actor) -> None:
    problems = interchange.check({"format": "something-else", "version": 2, "cases": []})
    assert where(problems) == {("format",), ("version",), ("cases",)}


# --- what an import does ---------------------------------------------------------------------


def test_a_new_key_is_drafted_by_the_importing_editor(
    editor: Actor, swedish: dict[str, Any]
) -> None:
    result = interchange.import_catalogue(
        document(practices=[{**swedish, "key": "new"}]), by=editor
    )
    practice = Practice.objects.get(key="new")
    assert result.created["practices"] == 1
    assert (practice.status, practice.edited_by, practice.version) == ("draft", editor.user, 1)


def test_an_import_changing_a_published_entry_makes_it_a_draft_again(
    publish_entry: Callable[..., Entry], swedish: dict[str, Any], editor: Actor
) -> None:
    published = publish_entry(Practice, **swedish, key="tidiga")
    exported = interchange.export_json(["practices"])
    exported["practices"][0]["results"] = "Färre orosanmälningar."

    result = interchange.import_catalogue(exported, by=editor)

    published.refresh_from_db()
    assert result.updated["practices"] == 1
    assert (published.status, published.version, published.results) == (
        Status.DRAFT,
        3,
        "Färre orosanmälningar.",
    )
    revision = Revision.objects.filter(entry_type="practice", entry_id=published.pk).last()
    assert revision is not None and (revision.action, revision.by) == ("update", editor.user)


def test_an_entry_the_file_leaves_as_it_is_stays_published(
    published_demo: dict[str, Any], editor: Actor
) -> None:
    before = counts()
    result = interchange.import_catalogue(interchange.export_json(), by=editor)
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 31, "published": 0}
    assert counts() == before
    assert not Practice.objects.exclude(status=Status.PUBLISHED).exists()


def test_translations_of_a_practice_come_with_it_and_replace_the_old_ones(
    editor: Actor, swedish: dict[str, Any]
) -> None:
    english = {"language": "en", "title": "Early help", "what_was_done": "Weekly meetings."}
    doc = document(practices=[{**swedish, "key": "p", "translations": [english]}])
    interchange.import_catalogue(doc, by=editor)
    doc["practices"][0]["translations"] = [{"language": "da", "title": "Tidlig hjælp"}]

    result = interchange.import_catalogue(doc, by=editor)

    assert result.updated["practices"] == 1
    assert list(PracticeTranslation.objects.values_list("language", "title")) == [
        ("da", "Tidlig hjælp")
    ]


def test_a_translation_in_the_practices_own_language_or_twice_is_a_problem(
    editor: Actor, swedish: dict[str, Any]
) -> None:
    translations = [
        {"language": "sv", "title": "x"},
        {"language": "en", "title": "y"},
        {"language": "en", "title": "z"},
        {"language": "en", "colour": "w"},
    ]
    doc = document(practices=[{**swedish, "key": "p", "translations": translations}])
    assert where(interchange.check(doc)) == {
        ("practices[0].translations[0].language",),
        ("practices[0].translations[2].language",),
        ("practices[0].translations[3].colour",),
        ("practices[0].translations[3].language",),
        ("practices[0].translations[3].title",),
    }


def test_publishing_by_the_importing_editor_breaks_four_eyes_and_writes_nothing(
    editor: Actor, swedish: dict[str, Any]
) -> None:
    before = counts()
    result = interchange.import_catalogue(
        document(practices=[{**swedish, "key": "p"}]), by=editor, publish_by=editor
    )
    assert where(result.problems) == {("practices[0]",)}
    assert counts()[:-1] == before[:-1]  # only the refusal is in the audit log


def test_only_a_directorate_editor_imports_and_a_refusal_is_audited(
    teacher_actor: Actor, swedish: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        interchange.import_catalogue(
            document(practices=[{**swedish, "key": "p"}]), by=teacher_actor
        )
    assert not Practice.objects.exists()
    refusal = AuditEvent.objects.get(actor_id=teacher_actor.user.pk)  # type: ignore[union-attr]
    assert (refusal.outcome, refusal.object_type) == ("refused", "catalogue.import")


# --- formula cells ---------------------------------------------------------------------------


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_quoted(
    publish_entry: Callable[..., Entry], swedish: dict[str, Any], editor: Actor
) -> None:
    formula = '=HYPERLINK("https://example.invalid","klikk")'
    publish_entry(
        Practice,
        **{**swedish, "key": "f", "title": formula, "results": "-5 %", "contact": "@kontor"},
    )
    text = interchange.export_csv("practices")

    [row] = csv.DictReader(io.StringIO(text))
    assert (row["title"], row["results"], row["contact"]) == (f"'{formula}", "'-5 %", "'@kontor")

    empty_the_catalogue()
    assert interchange.import_catalogue(text, kind="practices", by=editor).ok
    practice = Practice.objects.get(key="f")
    assert (practice.title, practice.results, practice.contact) == (formula, "-5 %", "@kontor")


@given(st.text(max_size=20))
def test_escaping_a_cell_is_undone_by_unescaping_it(text: str) -> None:
    escaped = interchange.escape_cell(text)
    assert interchange.unescape_cell(escaped) == text
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


# --- the download page -----------------------------------------------------------------------


def test_the_export_page_serves_published_entries_as_an_attachment(
    client: Client,
    publish_entry: Callable[..., Entry],
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    publish_entry(Practice, **swedish, key="published")
    draft(Practice, **swedish, key="a-draft")

    as_json = client.get(export_url("practices", "json"))
    as_csv = client.get(export_url("practices", "csv"))
    everything = client.get(export_url("all", "json"))

    assert as_json.status_code == as_csv.status_code == everything.status_code == 200
    assert [e["key"] for e in json.loads(as_json.content)["practices"]] == ["published"]
    assert set(json.loads(as_json.content)) == {"format", "version", "exported_at", "practices"}
    assert set(json.loads(everything.content)) >= set(KINDS)
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    body = as_csv.content.decode("utf-8")
    assert body.startswith("\ufeffkey,origin,") and "a-draft" not in body
    assert as_json["Content-Disposition"].startswith('attachment; filename="catalogue-practices-')
    assert as_csv["Content-Disposition"].endswith('.csv"')


@pytest.mark.parametrize(
    "kind, fmt",
    [("cases", "json"), ("all", "csv"), ("practices", "xml"), ("practices", "json.exe")],
)
def test_the_export_page_of_an_unknown_kind_or_format_is_not_found(
    client: Client, kind: str, fmt: str
) -> None:
    assert client.get(export_url(kind, fmt)).status_code == 404


# --- the upload page -------------------------------------------------------------------------


@pytest.fixture
def editor_client(editor: Actor, english_client: Callable[[User], Client]) -> Client:
    assert editor.user is not None
    return english_client(editor.user)


def post_file(client: Client, content: bytes, name: str, kind: str = "") -> Any:
    data = {"file": SimpleUploadedFile(name, content), "kind": kind}
    return client.post(IMPORT, data, HTTP_ACCEPT_LANGUAGE="en")


def test_an_editor_sees_the_import_form(editor_client: Client) -> None:
    page = editor_client.get(IMPORT, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    assert b'<label class="ds-label" for="id_file">' in page.content
    assert export_url("all", "json").encode() in page.content


def test_an_editor_imports_a_file_as_drafts(
    editor_client: Client, swedish: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "practices.json"
    path.write_text(json.dumps(document(practices=[{**swedish, "key": "p"}])), encoding="utf-8")

    response = post_file(editor_client, path.read_bytes(), path.name)

    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:editorial")
    assert Practice.objects.get(key="p").status == Status.DRAFT
    desk = editor_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert b"The file is imported: 1 new, 0 changed and 0 unchanged entries." in desk.content


def test_a_csv_file_named_after_its_kind_needs_no_kind_chosen(editor_client: Client) -> None:
    content = (CSV_HEADER + "a,Ett,SE,municipal,sv,,0,12,school\r\n").encode()
    assert post_file(editor_client, content, "practices.csv").status_code == 302
    assert (
        post_file(
            editor_client, content.replace(b"a,", b"b,", 1), "export.csv", kind="practices"
        ).status_code
        == 302
    )
    assert set(Practice.objects.values_list("key", flat=True)) == {"a", "b"}


def test_the_page_lists_every_problem_and_writes_nothing(
    editor_client: Client, demo: dict[str, Any]
) -> None:
    demo["practices"][3]["age_to"] = 30
    demo["networks"][1]["members"].append("9999")
    before = counts()

    response = post_file(editor_client, json.dumps(demo, indent=2).encode(), "demo.json")

    assert response.status_code == 400
    content = response.content.decode()
    assert "The file was not imported: it has 2 problems." in content
    assert "practices[3].age_to (the entry on line" in content
    assert "networks[1].members" in content and "“9999”" in content
    assert counts() == before


def test_an_oversized_upload_is_a_field_error(editor_client: Client) -> None:
    response = post_file(editor_client, b"x" * (interchange.MAX_BYTES + 1), "big.json")
    assert response.status_code == 400
    assert b"the largest file that can be imported is 5.0" in response.content
    assert not Practice.objects.exists()


def test_a_professional_is_refused_the_import_page_and_the_refusal_is_audited(
    teacher: User, english_client: Callable[[User], Client], swedish: dict[str, Any]
) -> None:
    client = english_client(teacher)
    content = json.dumps(document(practices=[{**swedish, "key": "p"}])).encode()

    assert client.get(IMPORT).status_code == 403
    assert post_file(client, content, "p.json").status_code == 403

    assert not Practice.objects.exists()
    refusals = AuditEvent.objects.filter(
        actor_id=teacher.pk, outcome="refused", object_type="catalogue.import"
    )
    assert refusals.count() == 2


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
