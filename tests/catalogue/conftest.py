"""Directorate editors and a helper that drafts entries through the real services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from samhandling.accounts.models import User
from samhandling.catalogue import services
from samhandling.catalogue.models import Entry, Practice
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Role


@pytest.fixture
def udir(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Utdanningsdirektoratet", short_name="Udir", kind=Organisation.Kind.DIRECTORATE
    )


@pytest.fixture
def bufdir(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Barne-, ungdoms- og familiedirektoratet",
        short_name="Bufdir",
        kind=Organisation.Kind.DIRECTORATE,
    )


@pytest.fixture
def editor(udir: Organisation, make_user: Callable[..., User]) -> Actor:
    return actor_for(make_user(udir, Role.DIRECTORATE_EDITOR, username="editor"))


@pytest.fixture
def other_editor(bufdir: Organisation, make_user: Callable[..., User]) -> Actor:
    return actor_for(make_user(bufdir, Role.DIRECTORATE_EDITOR, username="other_editor"))


@pytest.fixture
def draft(editor: Actor) -> Callable[..., Entry]:
    def make(model: type[Entry] = Practice, /, **fields: Any) -> Entry:
        return services.create_draft(model, by=editor, fields=fields)

    return make


SWEDISH_PRACTICE: dict[str, Any] = {
    "title": "Tidiga insatser i Norrtälje",
    "country": Practice.Country.SWEDEN,
    "level": Practice.Level.MUNICIPAL,
    "language": Practice.Language.SWEDISH,
    "problem": "Barnen fick hjälp för sent.",
    "what_was_done": "Skolan samarbetar med socialtjänsten kring barnen.",
    "age_from": 6,
    "age_to": 15,
    "sectors": ["school", "child_welfare"],
}


@pytest.fixture
def swedish() -> dict[str, Any]:
    """The fields of a Swedish municipal practice."""
    return dict(SWEDISH_PRACTICE)
