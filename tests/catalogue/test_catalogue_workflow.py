"""The editorial workflow: draft, publish by another editor, withdraw, every change kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from samhandling.accounts.models import User
from samhandling.catalogue import selectors, services
from samhandling.catalogue.models import Entry, Instrument, Practice, Revision, Status
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation


def test_an_editor_drafts_an_entry_that_is_not_public(
    swedish: dict[str, Any], draft: Callable[..., Entry]
) -> None:
    practice = draft(**swedish)
    assert practice.status == Status.DRAFT
    assert practice.version == 1
    assert not selectors.published_practices().exists()


def test_the_last_editor_cannot_publish_their_own_draft(
    swedish: dict[str, Any], draft: Callable[..., Entry], editor: Actor
) -> None:
    practice = draft(**swedish)
    with pytest.raises(PermissionDenied):
        services.publish(practice, by=editor)
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT


def test_another_editor_publishes_and_the_entry_is_public(
    swedish: dict[str, Any], draft: Callable[..., Entry], other_editor: Actor
) -> None:
    practice = services.publish(draft(**swedish), by=other_editor)
    assert practice.status == Status.PUBLISHED
    assert practice.published_by == other_editor.user
    assert list(selectors.published_practices()) == [practice]


def test_a_non_editor_is_refused(
    swedish: dict[str, Any], teacher_actor: Actor, draft: Callable[..., Entry]
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_draft(Practice, by=teacher_actor, fields=swedish)
    practice = draft(**swedish)
    with pytest.raises(PermissionDenied):
        services.update_draft(practice, by=teacher_actor, fields={"title": "x"},
                              expected_version=1)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.publish(practice, by=teacher_actor)
    assert Practice.objects.count() == 1
    assert Revision.objects.count() == 1


def test_every_change_makes_a_revision_with_who_and_what(
    swedish: dict[str, Any], draft: Callable[..., Entry], editor: Actor, other_editor: Actor
) -> None:
    practice = draft(**swedish)
    practice = services.update_draft(
        practice, by=editor, fields={"results": "Färre orosanmälningar."}, expected_version=1
    )
    practice = services.publish(practice, by=other_editor)
    practice = services.withdraw(practice, by=editor)
    revisions = list(Revision.objects.filter(entry_type="practice", entry_id=practice.pk))
    assert [(r.version, r.action, r.by) for r in revisions] == [
        (1, "create", editor.user),
        (2, "update", editor.user),
        (3, "publish", other_editor.user),
        (4, "withdraw", editor.user),
    ]
    assert revisions[1].snapshot["results"] == "Färre orosanmälningar."
    assert revisions[1].snapshot["sectors"] == ["school", "child_welfare"]
    assert revisions[3].snapshot["status"] == "withdrawn"
    assert not selectors.published_practices().exists()


def test_an_edit_of_a_published_entry_needs_publishing_again(
    swedish: dict[str, Any], draft: Callable[..., Entry], editor: Actor, other_editor: Actor
) -> None:
    practice = services.publish(draft(**swedish), by=other_editor)
    practice = services.update_draft(practice, by=other_editor, fields={"title": "Ny titel"},
                                     expected_version=practice.version)  # fmt: skip
    assert practice.status == Status.DRAFT
    with pytest.raises(PermissionDenied):
        services.publish(practice, by=other_editor)
    assert services.publish(practice, by=editor).status == Status.PUBLISHED


def test_a_stale_version_conflicts_and_loses_nothing(
    swedish: dict[str, Any], draft: Callable[..., Entry], editor: Actor, other_editor: Actor
) -> None:
    practice = draft(**swedish)
    services.update_draft(practice, by=other_editor, fields={"results": "Först sparat."},
                          expected_version=1)  # fmt: skip
    with pytest.raises(services.ConflictError) as conflict:
        services.update_draft(practice, by=editor, fields={"results": "Sent sparat."},
                              expected_version=1)  # fmt: skip
    assert conflict.value.current.results == "Först sparat."
    assert (conflict.value.expected, conflict.value.actual) == (1, 2)
    practice.refresh_from_db()
    assert practice.results == "Först sparat."
    assert Revision.objects.filter(entry_id=practice.pk).count() == 2


def test_only_a_published_entry_is_withdrawn(
    swedish: dict[str, Any], draft: Callable[..., Entry], editor: Actor
) -> None:
    with pytest.raises(ValidationError) as error:
        services.withdraw(draft(**swedish), by=editor)
    assert "status" in error.value.message_dict


def test_workflow_fields_cannot_be_set_by_an_edit(
    swedish: dict[str, Any], draft: Callable[..., Entry]
) -> None:
    with pytest.raises(ValidationError) as error:
        draft(**swedish, status="published")
    assert "status" in error.value.message_dict


def test_a_joint_instrument_names_all_owner_directorates(
    draft: Callable[..., Entry], other_editor: Actor, udir: Organisation, bufdir: Organisation
) -> None:
    instrument = draft(Instrument, title_nb="Tilskudd til 0–24-samarbeid",
                       kind=Instrument.Kind.GRANT_SCHEME, owners=[udir, bufdir])  # fmt: skip
    instrument = services.publish(instrument, by=other_editor)
    assert set(selectors.published_instruments().get().owners.all()) == {udir, bufdir}


def test_an_instrument_is_owned_by_directorates_only(
    draft: Callable[..., Entry], teacher: User
) -> None:
    school = teacher.memberships.get().organisation
    with pytest.raises(ValidationError) as error:
        draft(Instrument, title_nb="Veileder", kind="guide", owners=[school])
    assert "owners" in error.value.message_dict
    assert not Instrument.objects.exists()


def test_an_instrument_without_owner_is_not_published(
    draft: Callable[..., Entry], other_editor: Actor
) -> None:
    instrument = draft(Instrument, title_nb="Veileder", kind="guide")
    with pytest.raises(ValidationError) as error:
        services.publish(instrument, by=other_editor)
    assert "owners" in error.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sectors": ["school", "astrology"]}, "sectors"),
        ({"age_from": 18, "age_to": 12}, "age_to"),
        ({"age_to": 30}, "age_to"),
    ],
)
def test_invalid_fields_are_refused_by_name(
    swedish: dict[str, Any], draft: Callable[..., Entry], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        draft(**{**swedish, **fields})
    assert field in error.value.message_dict


def test_a_refusal_is_audited(swedish: dict[str, Any], teacher_actor: Actor) -> None:
    from samhandling.audit.models import AuditEvent

    with pytest.raises(PermissionDenied):
        services.create_draft(Practice, by=teacher_actor, fields=swedish)
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None
    assert event.object_type == "catalogue.practice"


def test_an_editor_acting_in_another_role_is_refused(
    swedish: dict[str, Any], udir: Organisation, make_user: Callable[..., User]
) -> None:
    actor = actor_for(make_user(udir, "analyst"))
    with pytest.raises(PermissionDenied):
        services.create_draft(Practice, by=actor, fields=swedish)
