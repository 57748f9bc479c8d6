"""Routes of coordination. Ids only in paths: never names or identity numbers."""

from django.urls import path

from .views import cases, plans, work

app_name = "coordination"
urlpatterns = [
    # my work, notifications, service leader's review
    path("", work.my_work, name="my_work"),
    path("notifications/read/", work.mark_notifications_read, name="notifications_read"),
    path("review/", work.leader_review, name="leader_review"),
    path("emergency/<int:access_id>/review/", work.review_emergency, name="review_emergency"),
    # a concern opens a case (or reaches the existing one)
    path("concern/", cases.record_concern, name="record_concern"),
    path("concern/sent/", cases.concern_sent, name="concern_sent"),
    path("emergency/", cases.emergency_access, name="emergency_access"),
    # the case
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/log/", cases.add_log_entry, name="add_log_entry"),
    path(
        "cases/<int:case_id>/log/<int:entry_id>/correct/",
        cases.correct_log_entry,
        name="correct_log_entry",
    ),
    path("cases/<int:case_id>/level/", cases.change_level, name="change_level"),
    path("cases/<int:case_id>/close/", cases.request_closing, name="request_closing"),
    path("cases/<int:case_id>/approve-close/", cases.approve_closing, name="approve_closing"),
    path("cases/<int:case_id>/reopen/", cases.reopen, name="reopen"),
    path("cases/<int:case_id>/team/", cases.add_team_member, name="add_team_member"),
    path(
        "cases/<int:case_id>/team/<int:member_id>/remove/",
        cases.remove_team_member,
        name="remove_team_member",
    ),
    path(
        "cases/<int:case_id>/family/", cases.add_family_participant, name="add_family_participant"
    ),
    path("cases/<int:case_id>/coordinator/", cases.propose_coordinator, name="propose_coordinator"),
    path("handovers/<int:handover_id>/answer/", cases.answer_handover, name="answer_handover"),
    path(
        "cases/<int:case_id>/concerns/<int:concern_id>/invite/",
        cases.invite_sender,
        name="invite_sender",
    ),
    path("cases/<int:case_id>/consents/", cases.record_consent, name="record_consent"),
    path("consents/<int:consent_id>/withdraw/", cases.withdraw_consent, name="withdraw_consent"),
    path("cases/<int:case_id>/legal-basis/", cases.record_legal_basis, name="record_legal_basis"),
    # the plan
    path("cases/<int:case_id>/plan/", plans.plan_detail, name="plan"),
    path("cases/<int:case_id>/plan/print/", plans.plan_print, name="plan_print"),
    path("cases/<int:case_id>/plan/summary/", plans.update_summary, name="plan_summary"),
    path("cases/<int:case_id>/plan/goals/", plans.add_goal, name="add_goal"),
    path("cases/<int:case_id>/plan/measures/", plans.add_measure, name="add_measure"),
    path(
        "cases/<int:case_id>/plan/measures/<int:measure_id>/status/",
        plans.measure_status,
        name="measure_status",
    ),
    path(
        "cases/<int:case_id>/plan/goals/<int:goal_id>/status/",
        plans.goal_status,
        name="goal_status",
    ),
    path("cases/<int:case_id>/plan/evaluations/", plans.add_evaluation, name="add_evaluation"),
    # the child's voice, written down by a professional on the child's behalf
    path("cases/<int:case_id>/voice/", plans.record_voice, name="record_voice"),
    # meetings and tasks
    path("cases/<int:case_id>/meetings/", plans.schedule_meeting, name="schedule_meeting"),
    path("meetings/<int:meeting_id>/", plans.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/minutes/", plans.record_minutes, name="record_minutes"),
    path("tasks/<int:task_id>/done/", plans.complete_task, name="complete_task"),
    # referrals
    path("cases/<int:case_id>/referrals/", work.refer, name="refer"),
    path("referrals/", work.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", work.referral_detail, name="referral"),
    path("referrals/<int:referral_id>/<str:answer>/", work.answer_referral, name="answer_referral"),
    # transitions
    path("cases/<int:case_id>/transitions/", work.plan_transition, name="plan_transition"),
    path(
        "transitions/<int:transition_id>/checklist/", work.tick_transition, name="tick_transition"
    ),
    path(
        "transitions/<int:transition_id>/done/",
        work.complete_transition,
        name="complete_transition",
    ),
]
