"""Anonymous visitors reach only the public routes; everything else sends them to sign in.

The table is generated from the URL configuration: a new route fails here until it is listed.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from matrix_world import catalogue, knowledge_base
from routes import project_routes

from samhandling.accounts.models import User
from samhandling.organisations.models import Region

CATALOGUE_KINDS = ("instruments", "initiatives", "networks", "practices", "resources")
PUBLIC = {
    "healthz": 200,
    "accounts:login": 200,
    "organisations:regions": 200,
    "set_language": 302,  # POST only in use; GET redirects back
    # the knowledge base: official statistics and suppressed aggregates
    "insight:index": 200,
    "insight:indicators": 200,
    "insight:compare": 200,
    "insight:profile": 200,
    "insight:profile_csv": 200,
    "insight:indicator_csv": 200,
    "insight:commentary": 200,  # read by all; written by an analyst (POST: sign in)
    # the catalogue's published entries and their exports
    "catalogue:index": 200,
    "catalogue:instruments": 200,
    "catalogue:coordination": 200,
    "catalogue:instrument": 200,
    "catalogue:initiatives": 200,
    "catalogue:initiative": 200,
    "catalogue:networks": 200,
    "catalogue:network": 200,
    "catalogue:practices": 200,
    "catalogue:practice": 200,
    "catalogue:resources": 200,
    "catalogue:resource": 200,
    "catalogue:export": 200,
}
# What a public route answers to POST, where that is not "read only" (405).
PUBLIC_POST = {
    "set_language": 302,
    "accounts:login": 200,  # the form again, with what is missing
    "healthz": 200,  # answered as GET: it changes nothing
    "organisations:regions": 200,  # answered as GET: it changes nothing
    "insight:commentary": 302,  # to sign in
}
SIGN_IN_TO_WRITE = {"insight:commentary"}
SIGN_IN_REQUIRED = {
    "home",
    "people:search",
    "people:detail",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:switch_membership",
    "accounts:sessions",
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
    # the knowledge base's work: importing statistics, downloading aggregates for research
    "insight:imports",
    "insight:import_detail",
    "insight:import_progress",
    "insight:research",
    "insight:research_download",
    # the catalogue's editorial work
    "catalogue:editorial",
    "catalogue:create",
    "catalogue:edit",
    "catalogue:publish",
    "catalogue:withdraw",
    "catalogue:history",
    "catalogue:adopt_practice",
    "catalogue:import",
}
# Routes that are not served in this configuration, to anyone: the demo sign-in exists only in
# demo mode, the citizen sign-in only when OpenID Connect is configured (tests run without both).
NOT_SERVED = {"portal:demo_sign_in", "oidc:authenticate", "oidc:callback"}

# The JSON API answers 401 where the pages send to sign in; public are only its description and
# the knowledge base's operations (those without security in the OpenAPI document). Its routes
# are listed one by one in tests/api/test_api_errors.py.
API_PUBLIC = {
    "api:openapi-json": 200,
    "api:openapi-view": 200,
    "api:api-root": 404,
    "api:list_regions": 200,
    "api:list_indicators": 200,
    "api:get_profile": 200,
    "api:get_aggregates": 200,
    **{f"api:list_{kind}": 200 for kind in CATALOGUE_KINDS},
    **{f"api:get_{kind.removesuffix('s')}": 200 for kind in CATALOGUE_KINDS},
}

# Path parameters that must name something real for a public route to answer 200, and the
# query a public route needs; any other parameter is 1.
SAMPLES = {"code": "4003", "indicator": "population_0_24", "kind": "all", "fmt": "json"}
# A catalogue entry's page (and API operation) is about the published entry of its kind.
ENTRY_OF = {
    **{f"catalogue:{kind.removesuffix('s')}": f"{kind.removesuffix('s')}_id"
       for kind in CATALOGUE_KINDS},
    **{f"api:get_{kind.removesuffix('s')}": f"{kind.removesuffix('s')}_id"
       for kind in CATALOGUE_KINDS},
}  # fmt: skip
QUERIES = {
    "insight:compare": "?regions=4003&regions=4001",
    "api:get_aggregates": "?municipality=4003",
}


@pytest.fixture
def knowledge(db: None, regions: None, make_user: Callable[..., User]) -> dict[str, Any]:
    """What the public routes show: Skien's statistics and aggregates, and the catalogue."""
    skien = Region.objects.select_related("parent__parent").get(country="NO", code="4003")
    knowledge_base(skien)
    return catalogue(skien, make_user)


def concrete(route: str, name: str = "", ids: dict[str, Any] | None = None) -> str:
    samples = dict(SAMPLES)
    if ids is not None and name in ENTRY_OF:
        samples["pk"] = samples["id"] = str(ids[ENTRY_OF[name]])
    route = re.sub(r"<uuid:\w+>", "00000000-0000-4000-8000-000000000001", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples.get(m.group(1), "1"), route)
    return "/" + route + QUERIES.get(name, "")


def test_every_route_is_classified() -> None:
    names = {name for _route, name in project_routes() if not name.startswith("api:")}
    classified = PUBLIC.keys() | SIGN_IN_REQUIRED | NOT_SERVED
    assert sorted(names - classified) == [], "routes without a class here"
    assert sorted(classified - names) == [], "classified routes that do not exist"


@pytest.mark.parametrize(("route", "name"), project_routes())
def test_anonymous_visitors_are_refused_or_sent_to_sign_in(
    knowledge: dict[str, Any], route: str, name: str
) -> None:
    client = Client()
    for method in ("get", "post"):
        url = concrete(route, name, knowledge)
        response = getattr(client, method)(url)
        if name in PUBLIC:
            expected = PUBLIC[name] if method == "get" else PUBLIC_POST.get(name, 405)
            assert response.status_code == expected, (method, url, response.status_code)
            if response.status_code == 302 and name in SIGN_IN_TO_WRITE:
                assert response["Location"].startswith("/accounts/login/")
            continue
        if name in NOT_SERVED:
            assert response.status_code in {404, 405}, (method, url, response.status_code)
            continue
        if name.startswith("api:"):
            expected = {API_PUBLIC[name], 405} if name in API_PUBLIC else {401, 405}
            assert response.status_code in expected, (method, url, response.status_code)
            continue
        assert response.status_code in {302, 405}, (method, url, response.status_code)
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
