"""Every write in coordination: one function per use case, each a transaction with its policy
check and its audit event. Names follow the field's words (GLOSSARY.md).

Callers use `from samhandling.coordination import services` and `services.record_concern(...)`;
the modules below group the use cases.
"""

from samhandling.people.selectors import possible_duplicates

from ._shared import EMERGENCY_ACCESS_HOURS, HEALTH_SECTORS, REFERRAL_ANSWER_DAYS, ConflictError
from .cases import (
    ConcernResult,
    approve_closing,
    change_level,
    mark_notifications_read,
    record_concern,
    reopen,
    request_closing,
)
from .consent import (
    give_consent,
    may_consent_for,
    may_withdraw_consent,
    may_withdraw_consents,
    open_emergency_access,
    record_consent,
    record_legal_basis,
    review_emergency_access,
    withdraw_consent,
)
from .log import add_log_entry, correct_log_entry
from .plan import (
    AgreedAction,
    add_evaluation,
    add_goal,
    add_measure,
    complete_task,
    record_minutes,
    schedule_meeting,
    set_goal_status,
    set_measure_status,
    update_plan_summary,
)
from .referrals import (
    accept_referral,
    complete_referral,
    complete_transition,
    decline_referral,
    mark_referral_received,
    plan_transition,
    propose_adult_transitions,
    refer,
    tick_transition_item,
)
from .team import (
    add_family_participant,
    add_team_member,
    answer_handover,
    invite_sender,
    propose_coordinator,
    remove_team_member,
)
from .voice import add_voice

__all__ = [
    "add_voice",
    "give_consent",
    "may_consent_for",
    "may_withdraw_consent",
    "may_withdraw_consents",
    "possible_duplicates",
    "EMERGENCY_ACCESS_HOURS",
    "HEALTH_SECTORS",
    "REFERRAL_ANSWER_DAYS",
    "ConflictError",
    "ConcernResult",
    "record_concern",
    "change_level",
    "request_closing",
    "approve_closing",
    "reopen",
    "mark_notifications_read",
    "record_consent",
    "withdraw_consent",
    "record_legal_basis",
    "open_emergency_access",
    "review_emergency_access",
    "add_log_entry",
    "correct_log_entry",
    "update_plan_summary",
    "add_goal",
    "add_measure",
    "set_measure_status",
    "set_goal_status",
    "add_evaluation",
    "schedule_meeting",
    "AgreedAction",
    "record_minutes",
    "complete_task",
    "refer",
    "mark_referral_received",
    "accept_referral",
    "decline_referral",
    "complete_referral",
    "plan_transition",
    "tick_transition_item",
    "complete_transition",
    "propose_adult_transitions",
    "add_team_member",
    "remove_team_member",
    "add_family_participant",
    "propose_coordinator",
    "answer_handover",
    "invite_sender",
]
