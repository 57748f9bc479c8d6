"""Anonymous visitors reach only the public routes; everything else sends them to sign in.

The table is generated from the URL configuration: a new route fails here until it is listed.
"""

import re
from typing import Any

import pytest
from django.test import Client
from routes import project_routes

PUBLIC = {
    "healthz": 200,
    "accounts:login": 200,
    "organisations:regions": 200,
    "set_language": 302,  # POST only in use; GET redirects back
}
SIGN_IN_REQUIRED = {
    "home",
    "people:search",
    "people:detail",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:switch_membership",
    "coordination:my_work",
    "coordination:notifications_read",
    "coordination:leader_review",
    "coordination:review_emergency",
    "coordination:record_concern",
    "coordination:concern_sent",
    "coordination:emergency_access",
    "coordination:case",
    "coordination:add_log_entry",
    "coordination:correct_log_entry",
    "coordination:change_level",
    "coordination:request_closing",
    "coordination:approve_closing",
    "coordination:reopen",
    "coordination:add_team_member",
    "coordination:remove_team_member",
    "coordination:add_family_participant",
    "coordination:propose_coordinator",
    "coordination:answer_handover",
    "coordination:invite_sender",
    "coordination:record_consent",
    "coordination:withdraw_consent",
    "coordination:record_legal_basis",
    "coordination:plan",
    "coordination:plan_print",
    "coordination:plan_summary",
    "coordination:add_goal",
    "coordination:add_measure",
    "coordination:measure_status",
    "coordination:goal_status",
    "coordination:add_evaluation",
    "coordination:schedule_meeting",
    "coordination:meeting",
    "coordination:record_minutes",
    "coordination:complete_task",
    "coordination:refer",
    "coordination:referrals",
    "coordination:referral",
    "coordination:answer_referral",
    "coordination:plan_transition",
    "coordination:tick_transition",
    "coordination:complete_transition",
    "coordination:record_voice",
    # the family's own pages
    "portal:home",
    "portal:case",
    "portal:add_voice",
    "portal:consents",
    "portal:give_consent",
    "portal:withdraw_consent",
    "portal:access_log",
    "portal:exports",
    "portal:request_export",
    "portal:export",
    "portal:export_progress",
    "portal:export_download",
    "portal:export_print",
}
# Routes that are not served in this configuration, to anyone: the demo sign-in exists only in
# demo mode, the citizen sign-in only when OpenID Connect is configured (tests run without both).
NOT_SERVED = {"portal:demo_sign_in", "oidc:authenticate", "oidc:callback"}

# The JSON API answers 401 where the pages send to sign in; only its description is public.
# (Its routes are listed one by one in tests/api/test_api_errors.py.)
API_PUBLIC = {"api:openapi-json": 200, "api:openapi-view": 200, "api:api-root": 404}


def concrete(route: str) -> str:
    route = re.sub(r"<uuid:\w+>", "00000000-0000-4000-8000-000000000001", route)
    return "/" + re.sub(r"<(?:int:)?\w+>", "1", route)


def test_every_route_is_classified() -> None:
    names = {name for _route, name in project_routes() if not name.startswith("api:")}
    classified = PUBLIC.keys() | SIGN_IN_REQUIRED | NOT_SERVED
    assert sorted(names - classified) == [], "routes without a class here"
    assert sorted(classified - names) == [], "classified routes that do not exist"


@pytest.mark.parametrize(("route", "name"), project_routes())
def test_anonymous_visitors_are_refused_or_sent_to_sign_in(db: None, route: str, name: str) -> None:
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(concrete(route))
        if name in PUBLIC:
            assert response.status_code in {PUBLIC[name], 302, 405, 401}
            continue
        if name in NOT_SERVED:
            assert response.status_code in {404, 405}, (method, route, response.status_code)
            continue
        if name.startswith("api:"):
            expected = {API_PUBLIC[name], 405} if name in API_PUBLIC else {401, 405}
            assert response.status_code in expected, (method, route, response.status_code)
            continue
        assert response.status_code in {302, 405}, (method, route, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_the_admin_is_for_system_administrators_only(
    teacher: Any, skien: Any, make_user: Any, signed_in: Any
) -> None:
    from samhandling.organisations.models import Organisation, Role

    assert signed_in(teacher).get("/admin/").status_code == 302
    staff_professional = make_user(
        teacher.memberships.first().organisation,
        Role.PROFESSIONAL,
        username="staffpro",
        is_staff=True,
    )
    assert signed_in(staff_professional).get("/admin/").status_code == 302
    municipality = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    admin = make_user(municipality, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True)
    assert signed_in(admin).get("/admin/").status_code == 200


def test_persons_are_not_exposed_in_the_admin(
    teacher: Any, skien: Any, make_user: Any, signed_in: Any
) -> None:
    from samhandling.organisations.models import Organisation, Role

    municipality = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    admin = make_user(
        municipality, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True, is_superuser=True
    )
    client = signed_in(admin)
    assert client.get("/admin/people/person/").status_code == 404
    assert client.get("/admin/audit/auditevent/").status_code == 200
