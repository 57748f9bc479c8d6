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


@pytest.fixture
def publish_entry(draft: Callable[..., Entry], other_editor: Actor) -> Callable[..., Entry]:
    """Drafts an entry through the services (by `editor`) and has `other_editor` publish it."""

    def make(model: type[Entry] = Practice, /, **fields: Any) -> Entry:
        return services.publish(draft(model, **fields), by=other_editor)

    return make


# --- the editorial pages (test_editing_views.py, test_policy.py) ------------------------------


@pytest.fixture
def skien_analyst(skien: Any, make_user: Callable[..., User]) -> User:
    """A municipal analyst of Skien: writes Skien's own development measures."""
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return make_user(administration, Role.ANALYST, username="skien_analyst",
                     first_name="Siri", last_name="Analytiker")  # fmt: skip


@pytest.fixture
def porsgrunn_leader(porsgrunn: Any, make_user: Callable[..., User]) -> User:
    """A service leader in Porsgrunn: writes Porsgrunn's development measures, not Skien's."""
    school = Organisation.objects.create(name="Porsgrunn skole", kind=Organisation.Kind.SERVICE,
                                         sector="school", municipality=porsgrunn)  # fmt: skip
    return make_user(school, Role.SERVICE_LEADER, username="porsgrunn_leader")


@pytest.fixture
def english_client(signed_in: Callable[[User], Any]) -> Callable[[User], Any]:
    """A test client signed in as the user, reading the pages in English."""

    def make(user: User) -> Any:
        client = signed_in(user)
        client.cookies["django_language"] = "en"
        return client

    return make


# --- import and export (test_interchange.py, test_catalogue_commands.py) ----------------------


@pytest.fixture
def directorates(udir: Organisation, bufdir: Organisation) -> dict[str, Organisation]:
    """The five directorates of the 0–24 cooperation by short name, named as the demo names them."""
    from samhandling.demo.management.commands.seed_demo import DIRECTORATES

    found = {}
    for name, short in DIRECTORATES:
        found[short], _ = Organisation.objects.get_or_create(
            name=name, kind=Organisation.Kind.DIRECTORATE, defaults={"short_name": short}
        )
    return found


@pytest.fixture
def indicators(db: None) -> None:
    """The knowledge base's indicator definitions (the demo's development measures name them)."""
    from samhandling.insight import sources

    sources.load_definitions()


@pytest.fixture
def demo(directorates: dict[str, Organisation], indicators: None, regions: None) -> dict[str, Any]:
    """The demo catalogue's JSON document, with everything its references name in place."""
    import json

    from samhandling.demo.management.commands.seed_demo import DEMO_CATALOGUE

    document: dict[str, Any] = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def published_demo(demo: dict[str, Any], editor: Actor, other_editor: Actor) -> dict[str, Any]:
    """The demo catalogue imported by `editor` and published by `other_editor`."""
    from samhandling.catalogue import interchange

    result = interchange.import_catalogue(demo, by=editor, publish_by=other_editor)
    assert result.ok, [str(problem) for problem in result.problems]
    return demo
