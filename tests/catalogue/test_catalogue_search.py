"""Full-text search in the text's own language on PostgreSQL, by substring on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from samhandling.catalogue import selectors, services
from samhandling.catalogue.models import Entry, Instrument, Practice
from samhandling.organisations.actors import Actor


@pytest.fixture
def swedish_practice(
    swedish: dict[str, Any], draft: Callable[..., Entry], other_editor: Actor
) -> Entry:
    return services.publish(draft(**swedish), by=other_editor)


@pytest.mark.postgres
def test_on_postgresql_a_swedish_practice_is_found_by_an_inflected_swedish_word(
    swedish_practice: Entry,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("stemming needs PostgreSQL's dictionaries")
    # "socialtjänster" (plural) is not in the text; the Swedish stem of "socialtjänsten" is.
    assert list(selectors.search("socialtjänster", kind=Practice)) == [swedish_practice]
    assert not selectors.search("orosanmälan", kind=Practice).exists()


def test_on_sqlite_a_practice_is_found_by_a_substring(swedish_practice: Entry) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the fallback for SQLite")
    assert list(selectors.search("socialtjänst", kind=Practice)) == [swedish_practice]
    assert not selectors.search("socialtjänster", kind=Practice).exists()


def test_a_draft_is_not_found(swedish: dict[str, Any], draft: Callable[..., Entry]) -> None:
    draft(**swedish)
    assert not selectors.search("Norrtälje", kind=Practice).exists()


def test_an_instrument_is_found_in_bokmal_or_english(
    draft: Callable[..., Entry], other_editor: Actor, udir: object
) -> None:
    instrument = services.publish(
        draft(
            Instrument,
            title_nb="Tilskudd til skolehelsetjenesten",
            kind="grant_scheme",
            title_en="Grant for the school health service",
            owners=[udir],
        ),  # fmt: skip
        by=other_editor,
    )
    assert list(selectors.search("skolehelsetjenesten", kind=Instrument)) == [instrument]
    assert list(selectors.search("school health", kind=Instrument)) == [instrument]


@pytest.mark.parametrize("kind", [Instrument, Practice])
def test_an_edit_is_searched_by_its_new_words_and_no_longer_by_the_old(
    kind: type[Entry], draft: Callable[..., Entry], other_editor: Actor, editor: Actor, udir: object
) -> None:
    """Every kind keeps its stored search vector (PostgreSQL) in step with its text."""
    if kind is Instrument:
        fields: dict[str, Any] = {"title_nb": "Tilskudd til leksehjelp", "kind": "grant_scheme",
                                  "owners": [udir]}  # fmt: skip
        text, new_text = "title_nb", {"title_nb": "Tilskudd til sommerskole"}
    else:
        fields = {"title": "Leksehjelp i biblioteket", "language": "nb", "country": "NO",
                  "level": "municipal"}  # fmt: skip
        text, new_text = "title", {"title": "Sommerskole i biblioteket"}
    entry = services.publish(draft(kind, **fields), by=other_editor)
    assert list(selectors.search("leksehjelp", kind=kind)) == [entry]
    edited = services.update_draft(
        entry, by=editor, fields=new_text, expected_version=entry.version
    )
    services.publish(edited, by=other_editor)
    assert getattr(kind._default_manager.get(pk=entry.pk), text) == new_text[text]
    assert not selectors.search("leksehjelp", kind=kind).exists()
    assert [e.pk for e in selectors.search("sommerskole", kind=kind)] == [entry.pk]
