"""Who writes the catalogue (services.may_edit, may_edit_kind, may_publish) and that the services
hold to it: directorate editors write everything; a municipality's analysts and service leaders
write their own municipality's development measures and nothing else; someone other than the
last editor publishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.catalogue import services
from samhandling.catalogue.kinds import KINDS
from samhandling.catalogue.models import Entry, Initiative, Instrument, Network, Revision
from samhandling.organisations.actors import ANONYMOUS, Actor, actor_for
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(skien_analyst: User) -> Actor:
    return actor_for(skien_analyst)


@pytest.fixture
def leader(porsgrunn_leader: User) -> Actor:
    return actor_for(porsgrunn_leader)


def test_a_directorate_editor_writes_every_kind(editor: Actor) -> None:
    assert all(services.may_edit_kind(editor, model) for model in KINDS.values())
    assert services.may_edit(editor)


def test_a_municipal_author_drafts_development_measures_only(analyst: Actor) -> None:
    allowed = {model for model in KINDS.values() if services.may_edit_kind(analyst, model)}
    assert allowed == {Initiative}


@pytest.mark.parametrize("kind", [Instrument, Network])
def test_a_municipal_author_is_refused_other_kinds_with_a_reason(
    analyst: Actor, kind: type[Entry]
) -> None:
    decision = services.may_edit_kind(analyst, kind)
    assert not decision
    assert "directorate editors" in decision.reason


def test_a_municipal_author_writes_for_their_own_municipality_only(
    analyst: Actor, skien: Region, porsgrunn: Region
) -> None:
    assert services.may_edit(analyst, municipality_id=skien.pk)
    assert not services.may_edit(analyst, municipality_id=porsgrunn.pk)


def test_a_municipal_author_edits_their_own_initiative_not_another_municipalitys(
    draft: Callable[..., Entry], analyst: Actor, leader: Actor, skien: Region, porsgrunn: Region
) -> None:
    at_home = draft(Initiative, title_nb="Los i Skien", municipality=skien)
    elsewhere = draft(Initiative, title_nb="Los i Porsgrunn", municipality=porsgrunn)
    assert services.may_edit(analyst, at_home) and not services.may_edit(analyst, elsewhere)
    assert services.may_edit(leader, elsewhere) and not services.may_edit(leader, at_home)


def test_a_networks_initiative_is_for_directorate_editors(
    draft: Callable[..., Entry], analyst: Actor, editor: Actor
) -> None:
    network = draft(Network, name_nb="KS-nettverket")
    initiative = draft(Initiative, title_nb="Felles løft", network=network)
    assert not services.may_edit(analyst, initiative)
    assert not services.may_edit(analyst, network)
    assert services.may_edit(editor, initiative)


def test_a_professional_and_a_visitor_edit_nothing(
    teacher_actor: Actor, draft: Callable[..., Entry], skien: Region
) -> None:
    initiative = draft(Initiative, title_nb="Los i Skien", municipality=skien)
    for actor in (teacher_actor, ANONYMOUS):
        assert not services.may_edit(actor)
        assert not services.may_edit(actor, initiative)
        assert not services.may_edit(actor, municipality_id=skien.pk)
        assert not any(services.may_edit_kind(actor, model) for model in KINDS.values())
        assert not services.may_publish(actor, initiative)


def test_the_last_editor_may_not_publish_and_any_other_writer_may(
    draft: Callable[..., Entry],
    editor: Actor,
    other_editor: Actor,
    analyst: Actor,
    leader: Actor,
    skien: Region,
) -> None:
    initiative = draft(Initiative, title_nb="Los i Skien", municipality=skien)
    assert not services.may_publish(editor, initiative)
    assert services.may_publish(other_editor, initiative)
    assert services.may_publish(analyst, initiative)  # an author of the municipality
    assert not services.may_publish(leader, initiative)  # another municipality's


def test_an_author_of_the_municipality_publishes_another_authors_draft(
    analyst: Actor, skien: Region, make_user: Callable[..., User]
) -> None:
    administration = analyst.organisation
    colleague = actor_for(make_user(administration, "service_leader", username="colleague"))
    initiative = services.create_draft(
        Initiative, by=analyst, fields={"title_nb": "Los", "municipality": skien}
    )
    assert not services.may_publish(analyst, initiative)
    assert services.publish(initiative, by=colleague).is_published


def test_an_author_cannot_draft_for_another_municipality_and_the_refusal_is_audited(
    analyst: Actor, skien_analyst: User, porsgrunn: Region
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_draft(
            Initiative, by=analyst, fields={"title_nb": "Los", "municipality": porsgrunn}
        )
    assert not Initiative.objects.exists()
    refused = AuditEvent.objects.get(actor_id=skien_analyst.pk)
    assert (refused.outcome, refused.action) == ("refused", "create")
    assert refused.object_type == "catalogue.initiative"


def test_an_author_cannot_move_an_initiative_to_another_municipality(
    analyst: Actor, skien: Region, porsgrunn: Region
) -> None:
    initiative = services.create_draft(
        Initiative, by=analyst, fields={"title_nb": "Los", "municipality": skien}
    )
    with pytest.raises(ValidationError) as error:
        services.update_draft(
            initiative, by=analyst, fields={"municipality": porsgrunn}, expected_version=1
        )
    assert "municipality" in error.value.message_dict
    initiative.refresh_from_db()
    assert (initiative.municipality, initiative.version) == (skien, 1)
    assert Revision.objects.filter(entry_id=initiative.pk).count() == 1


def test_an_author_cannot_draft_an_instrument(analyst: Actor) -> None:
    with pytest.raises(PermissionDenied):
        services.create_draft(
            Instrument, by=analyst, fields={"title_nb": "Veileder", "kind": "guide"}
        )
    assert not Instrument.objects.exists()


def _button(actor: Actor, practice: Entry) -> str:
    request = RequestFactory().get("/")
    request.actor = actor  # type: ignore[attr-defined]
    request.user = actor.user  # type: ignore[assignment]
    with translation.override("en"):
        return render_to_string(
            "catalogue/editorial/_adopt_button.html", {"practice": practice}, request=request
        )


def test_the_adopt_button_shows_only_for_those_who_may_write_a_development_measure(
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
    analyst: Actor,
    editor: Actor,
    teacher_actor: Actor,
) -> None:
    practice = publish_entry(**swedish)
    author_form = _button(analyst, practice)
    assert "Make this a draft development measure for my municipality" in author_form
    assert f"/catalogue/practices/{practice.pk}/adopt/" in author_form
    assert "csrfmiddlewaretoken" in author_form
    assert 'name="municipality"' not in author_form
    editor_form = _button(editor, practice)
    assert 'name="municipality"' in editor_form and "<label" in editor_form
    assert "<form" not in _button(teacher_actor, practice)
    assert "<form" not in _button(ANONYMOUS, practice)
