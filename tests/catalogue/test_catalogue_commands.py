"""export_catalogue and import_catalogue on the command line, and the demo catalogue: it imports
cleanly, and only the programme's own facts are presented as official."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from samhandling.audit.models import AuditEvent
from samhandling.catalogue import interchange, selectors
from samhandling.catalogue.kinds import KINDS
from samhandling.catalogue.models import (
    Initiative,
    Instrument,
    Network,
    Practice,
    PracticeTranslation,
    Resource,
    Revision,
    Status,
)
from samhandling.demo.management.commands.seed_demo import DEMO_CATALOGUE
from samhandling.organisations.actors import Actor

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def empty_the_catalogue() -> None:
    for model in (Resource, Initiative, PracticeTranslation, Practice, Network, Instrument):
        model._default_manager.all().delete()
    Revision.objects.all().delete()


def counts() -> tuple[int, ...]:
    models = (*KINDS.values(), PracticeTranslation, Revision, AuditEvent)
    return tuple(model._default_manager.count() for model in models)


def username(actor: Actor) -> str:
    assert actor.user is not None
    return actor.user.get_username()


@pytest.fixture
def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return document


# --- export and import -----------------------------------------------------------------------


def test_an_exported_file_is_imported_and_published_by_a_second_editor(
    published_demo: dict[str, Any], editor: Actor, other_editor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.json"
    run("export_catalogue", "-o", str(path))
    empty_the_catalogue()

    out, err = run(
        "import_catalogue",
        str(path),
        "--editor",
        username(editor),
        "--publish-as",
        username(other_editor),
    )

    assert out.strip() == "Imported: 31 created, 0 changed, 0 unchanged, 31 published."
    assert err == ""
    assert not Practice.objects.exclude(status=Status.PUBLISHED).exists()
    practice = Practice.objects.get(key="eks-se-skola-socialtjanst")
    assert (practice.edited_by, practice.published_by) == (editor.user, other_editor.user)


def test_csv_files_of_every_kind_are_written_to_a_directory_and_imported_together(
    published_demo: dict[str, Any], editor: Actor, tmp_path: Path
) -> None:
    run("export_catalogue", "--format", "csv", "-o", str(tmp_path))
    files = sorted(tmp_path.glob("*.csv"))
    assert [path.name for path in files] == sorted(f"catalogue-{kind}.csv" for kind in KINDS)
    empty_the_catalogue()

    out, _ = run("import_catalogue", *map(str, files), "--editor", username(editor))

    assert out.strip() == "Imported: 31 created, 0 changed, 0 unchanged, 0 published."
    telemark = Initiative.objects.get(key="eks-telemark-unge-utenfor")
    assert telemark.network == Network.objects.get(key="eks-nettverk-telemark")
    assert not Practice.objects.exclude(status=Status.DRAFT).exists()


def test_one_kind_as_csv_goes_to_standard_output(published_demo: dict[str, Any]) -> None:
    out, _ = run("export_catalogue", "--format", "csv", "--kind", "networks")
    lines = out.splitlines()
    assert lines[0].startswith("key,origin,name_nb,")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "eks-nettverk-telemark",
        "ks-nettverket-0-24",
    ]


def test_csv_of_every_kind_needs_a_directory(db: None) -> None:
    with pytest.raises(CommandError, match="give --kind, or -o DIRECTORY"):
        run("export_catalogue", "--format", "csv")


def test_a_file_with_problems_prints_each_with_its_place_and_writes_nothing(
    demo: dict[str, Any], editor: Actor, tmp_path: Path
) -> None:
    demo["practices"][2]["age_from"] = "seven"
    demo["initiatives"][0]["indicators"].append("no_such_code")
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo, indent=2), encoding="utf-8")
    before = counts()
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing imported: 2 problems"):
        call_command(
            "import_catalogue",
            str(path),
            "--editor",
            username(editor),
            stderr=err,
            stdout=io.StringIO(),
        )

    printed = err.getvalue().splitlines()
    assert len(printed) == 2
    assert printed[0].startswith(f"{path}: practices[2].age_from (")
    assert printed[1].startswith(f"{path}: initiatives[0].indicators (")
    assert counts() == before


def test_a_dry_run_writes_nothing(demo: dict[str, Any], editor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo), encoding="utf-8")
    out, _ = run("import_catalogue", str(path), "--editor", username(editor), "--dry-run")
    assert out.strip() == "No problems found (nothing written)."
    assert Revision.objects.count() == 0


def test_an_unknown_editor_or_one_who_may_not_import_is_refused(
    teacher_actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"format": "samhandling-catalogue", "version": 1}', encoding="utf-8")
    with pytest.raises(CommandError, match="No user is called nobody"):
        run("import_catalogue", str(path), "--editor", "nobody")
    with pytest.raises(CommandError, match="only directorate editors import"):
        run("import_catalogue", str(path), "--editor", username(teacher_actor))


def test_a_csv_file_whose_name_does_not_say_its_kind_needs_kind(
    editor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("key,title,country,level,language\r\na,Ett,SE,national,sv\r\n", "utf-8")
    with pytest.raises(CommandError):
        run("import_catalogue", str(path), "--editor", username(editor))
    run("import_catalogue", str(path), "--editor", username(editor), "--kind", "practices")
    assert Practice.objects.get(key="a").title == "Ett"


# --- the demo catalogue ----------------------------------------------------------------------


def official(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for kind in KINDS for e in document[kind] if e.get("origin") == "official"]


def texts(entry: dict[str, Any]) -> str:
    values = [v for k, v in entry.items() if isinstance(v, str) and k not in ("key", "origin")]
    for translation in entry.get("translations", []):
        values += translation.values()
    return " ".join(values)


def test_the_demo_catalogue_imports_cleanly(
    demo: dict[str, Any], editor: Actor, other_editor: Actor
) -> None:
    assert interchange.check(DEMO_CATALOGUE.read_bytes(), name=DEMO_CATALOGUE.name) == []
    result = interchange.import_catalogue(demo, by=editor, publish_by=other_editor)
    assert result.counts == {"created": 31, "updated": 0, "unchanged": 0, "published": 31}


def test_only_the_programmes_own_facts_are_official(demo_document: dict[str, Any]) -> None:
    assert {
        (kind, e["key"]) for kind in KINDS for e in demo_document[kind] if e["origin"] == "official"
    } == {
        ("instruments", "0-24-samarbeidet"),
        ("networks", "ks-nettverket-0-24"),
        ("practices", "nordisk-0-24-norges-nasjonale-case"),
    }
    for entry in official(demo_document):
        text = texts(entry)
        # Ministries are "four ministries", never named; no figures beyond the ages 0–24.
        assert not re.search(r"\w+departementet|Ministry of", text), entry["key"]
        assert not re.search(r"\d", re.sub(r"0[–-]24", "", text)), entry["key"]
        assert not entry.get("link") and not entry.get("application_deadline")
        assert not entry.get("period_from") and not entry.get("period_to")


def test_the_official_instrument_is_owned_by_the_five_directorates(
    demo_document: dict[str, Any],
) -> None:
    [programme] = [e for e in demo_document["instruments"] if e["key"] == "0-24-samarbeidet"]
    assert sorted(programme["owners"]) == [
        "Bufdir",
        "Hdir",
        "IMDi",
        "NAV Arbeids- og velferdsdirektoratet",
        "Udir",
    ]
    assert (programme["kind"], programme["age_from"], programme["age_to"]) == ("programme", 0, 24)
    assert "fire innsatsområder" in programme["summary_nb"]
    assert "four focus areas" in programme["summary_en"]


def test_the_ks_network_names_no_member_municipalities(demo_document: dict[str, Any]) -> None:
    [network] = [e for e in demo_document["networks"] if e["key"] == "ks-nettverket-0-24"]
    assert network["members"] == []
    assert "Sju kommuner" in network["purpose_nb"]
    assert "Medlemskommunene er ikke oppført her." in network["purpose_nb"]
    assert "not listed here" in network["purpose_en"]


EXAMPLE_MARKS = (
    "(eksempel)",
    "(example)",
    "(exempel)",
    "(esimerkki)",
    "(dæmi)",
    "(dømi)",
    "(døme)",
    "(assersuut)",
)


def test_every_other_demo_entry_is_an_example_and_says_so(demo_document: dict[str, Any]) -> None:
    examples = [
        (kind, e) for kind in KINDS for e in demo_document[kind] if e["origin"] != "official"
    ]
    assert len(examples) == 28
    for kind, entry in examples:
        assert entry["origin"] == "example", entry["key"]
        titles = [entry.get(f) for f in ("title", "title_nb", "title_en", "name_nb", "name_en")]
        titles += [t["title"] for t in entry.get("translations", [])]
        for title in filter(None, titles):
            assert title.endswith(EXAMPLE_MARKS), (kind, title)


def test_the_demo_experience_bank_has_a_practice_from_every_nordic_country_in_its_language(
    demo_document: dict[str, Any],
) -> None:
    languages = {
        (e["country"], e["language"])
        for e in demo_document["practices"]
        if e["origin"] == "example"
    }
    assert {country for country, _ in languages} == set(Practice.Country.values)
    assert languages >= {
        ("NO", "nb"),
        ("NO", "nn"),
        ("SE", "sv"),
        ("DK", "da"),
        ("FI", "fi"),
        ("IS", "is"),
        ("FO", "fo"),
        ("GL", "kl"),
        ("AX", "sv"),
    }
    swedish = " ".join(texts(e) for e in demo_document["practices"] if e["language"] == "sv")
    assert "socialtjänsten" in swedish and "socialtjänster" in swedish


def test_the_demo_instruments_overlap_and_leave_gaps(demo_document: dict[str, Any]) -> None:
    examples = [e for e in demo_document["instruments"] if e["origin"] == "example"]
    groups = [group for e in examples for group in e["target_groups"]]
    assert any(groups.count(group) > 1 for group in set(groups))  # overlaps
    assert "dropout" not in groups  # a gap
    assert any(len(e["owners"]) == 2 for e in examples)  # a joint instrument
    deadlines = sorted(e["application_deadline"] for e in examples if e["application_deadline"])
    assert deadlines[0] < "2026-11-26" < deadlines[-1]  # closed and open


def test_the_demo_network_and_initiatives_are_in_telemark(demo_document: dict[str, Any]) -> None:
    [network] = [e for e in demo_document["networks"] if e["origin"] == "example"]
    assert network["name_nb"] == "Eksempelnettverk Telemark (eksempel)"
    assert network["members"] == ["4001", "4003", "4005", "4012"]
    places = {(e["municipality"], e["network"]) for e in demo_document["initiatives"]}
    assert places == {("4003", None), (None, "eks-nettverk-telemark")}


@pytest.mark.postgres
def test_on_postgresql_the_demo_shows_that_an_inflected_word_finds_the_practice(
    published_demo: dict[str, Any],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("stemming needs PostgreSQL's dictionaries")
    found = selectors.search("socialtjänster", kind=Practice)
    assert "eks-se-skola-socialtjanst" in {practice.key for practice in found}
