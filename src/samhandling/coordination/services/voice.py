"""The child's voice: the family's own words in the plan, or a professional's note of them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samhandling.access import policy
from samhandling.audit import services as audit
from samhandling.organisations.actors import Actor

from ..models import Case, Goal, Meeting, TeamMember, Voice
from ._shared import _notify, _refuse, _require, _service, _user, service


@service
def add_voice(
    case: Case,
    *,
    by: Actor,
    kind: str,
    text: str = "",
    rating: int | None = None,
    meeting: Meeting | None = None,
    goal: Goal | None = None,
) -> Voice:
    """Adds the child's or family's own words. Written by the family, it is marked as theirs;
    written by a professional, it is the child's words recorded on their behalf."""
    family = policy.family_access(by, case) if by.is_citizen else None
    if family is not None:
        decision = family.case_decision("voice")
        if not decision or family.person is None:
            raise _refuse(by, "create", case, decision)
        person = family.person
        speaker = Voice.Speaker.CHILD if family.standing == "self" else Voice.Speaker.FAMILY
        recorded_by, recorded_service = None, None
    else:
        decision = _require(by, "update", case)
        person, speaker = case.person, Voice.Speaker.CHILD
        recorded_by, recorded_service = _user(by), _service(by)
    text = text.strip()
    errors: dict[str, Any] = {}
    if kind not in Voice.Kind.values:
        errors["kind"] = _("Choose what it is about.")
    if kind == Voice.Kind.MEETING:
        if meeting is None or meeting.case_id != case.pk:
            errors["meeting"] = _("Choose the meeting.")
        elif meeting.starts_at > timezone.now():
            errors["meeting"] = _("You can say how the meeting was once it has been held.")
        elif family is not None and not family.meeting_decision(meeting):
            errors["meeting"] = _("Choose the meeting.")
        if rating is None or not 1 <= rating <= 5:
            errors["rating"] = _("Choose from 1 to 5.")
    else:
        if not text:
            errors["text"] = _("Write something, in your own words.")
        if rating is not None:
            errors["rating"] = _("Only a meeting gets a rating.")
        meeting = None
    if goal is not None:
        goal_case_id = Goal.objects.filter(pk=goal.pk).values_list("plan__case_id", flat=True)
        visible = family.item_decision(goal) if family else policy.decide(by, "view", goal)
        if kind != Voice.Kind.GOAL or goal_case_id.first() != case.pk or not visible:
            errors["goal"] = _("Choose one of the goals in the plan.")
    if errors:
        raise ValidationError(errors)
    voice = Voice.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        text=text,
        rating=rating,
        meeting=meeting,
        goal=goal,
        speaker=speaker,
        person=person,
        recorded_by=recorded_by,
        recorded_service=recorded_service,
    )
    audit.record(by, "create", voice, decision=decision, purpose="the child's voice")
    if family is not None:
        users = [case.coordinator] + [
            m.user for m in TeamMember.objects.filter(case=case, left_at__isnull=True)
        ]
        _notify(users, "family_voice", case, dedupe=f"voice:{voice.pk}")
    return voice
