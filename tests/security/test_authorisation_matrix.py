"""The authorisation matrix: every route and every API operation, as five actors, in one world.

The rows are checked against what the project serves: PAGES must name every route of the URL
configuration (tests/security/routes.py walks it) and API every operation of the OpenAPI
document (GET /api/v1/openapi.json), so a new route or operation fails
test_every_route_and_operation_has_a_row until it gets its row here.

The actors (DESIGN.md principle 1, and the policy in access/policy.py):
- anonymous: not signed in;
- outsider: a professional of another municipality (Porsgrunn); sees nothing of Skien's child,
  not even that the records exist (404);
- other_sector: PPT's professional, a named member of the team; sees and works in the case as a
  member, but no consent lets the school health service's entry travel to PPT;
- coordinator: the teacher who recorded the concern;
- leader: the service leader of the school, a service in the team; follows the case (reads it)
  but does not work in it, approves closing and reviews the school's emergency accesses.

Each (row, actor) is one request with real ids from one world (tests/security/matrix_world.py),
inside a savepoint that is rolled back afterwards, so every row meets the same world. Actions
are sent with a valid body, so what stops an actor is the authorisation, never the validation.
Besides the outcome, every response is read: the nurse's entry appears only where the
consent lets it through (and must appear there), and neither the anonymous visitor nor the
outsider ever reads the child's or the family's name. Every refusal of a signed-in actor must
have left an AuditEvent with outcome "refused" for them. Every mismatch is collected and
reported at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.test import Client
from matrix_world import CHILD_GIVEN, FAMILY, HEALTH_TEXT, MatrixWorld, build
from routes import project_routes

from samhandling.accounts import tokens
from samhandling.audit.models import AuditEvent

ACTORS = ("anonymous", "outsider", "other_sector", "coordinator", "leader")

# What a response is, as a class of outcome.
SIGN_IN = "sign-in"  # 302 to the sign-in page
OK = "ok"  # 200, 201, 204
REDIRECT = "redirect"  # another 3xx: a web action done (or answered with a message)
INVALID = "invalid"  # 400, 409, 422: past the authorisation, stopped by a rule of the work
UNAUTHENTICATED = "401"
FORBIDDEN = "403"  # the record is yours to see, the action is not yours to do
NOT_FOUND = "404"  # not yours to see (and not found look alike)
METHOD_NOT_ALLOWED = "405"  # a page that only reads
REFUSALS = {FORBIDDEN, NOT_FOUND}


@dataclass(frozen=True)
class Row:
    method: str  # pages: GET or POST; API rows take theirs from the OpenAPI document
    expect: tuple[str, str, str, str, str]  # in the order of ACTORS
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter -> world id
    # query parameter -> world id (a list in the world: the parameter repeated)
    query: Mapping[str, str] = field(default_factory=dict)
    # Every refusal (403/404) of a signed-in actor leaves an AuditEvent with outcome "refused"
    # for them. False only where no record is refused: a pure role check made before any record
    # is read (the leader's review page, the concern form for a leader), or a path with nothing
    # behind it (the API root). Anonymous requests are never audited here.
    audited: bool = True


def get(*expect: str, **options: Any) -> Row:
    return Row("GET", expect, **options)  # type: ignore[arg-type]


def post(*expect: str, **options: Any) -> Row:
    return Row("POST", expect, **options)  # type: ignore[arg-type]


def api(*expect: str, **options: Any) -> Row:
    return Row("", expect, **options)  # type: ignore[arg-type]


# Short names, so that each row reads as one line of the matrix.
SI, OKAY, MOVED, BAD, E401, E403, E404, E405 = (
    SIGN_IN, OK, REDIRECT, INVALID, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED,
)  # fmt: skip
OWN_ENTRY = {"entry_id": "own_entry_id"}
COMPARED = {"regions": "compared"}  # Skien and Porsgrunn side by side
RESEARCH = {"municipality": "municipality", "quarter": "quarter", "format": "format"}
INITIATIVES, INSTRUMENTS = {"kind": "initiatives"}, {"kind": "instruments"}
DRAFT_INITIATIVE = {"kind": "initiatives", "pk": "draft_initiative_id"}
PUBLISHED_INITIATIVE = {"kind": "initiatives", "pk": "initiative_id"}
DRAFT_INSTRUMENT = {"kind": "instruments", "pk": "draft_instrument_id"}
API_ENTRY = {kind: {"id": f"{kind}_id"} for kind in
             ("instrument", "initiative", "network", "practice", "resource")}  # fmt: skip
PRACTICE = {"pk": "practice_id"}
ENTRY = {kind: {"pk": f"{kind}_id"} for kind in
         ("instrument", "initiative", "network", "practice", "resource")}  # fmt: skip
EXPORT_ALL = {"kind": "all", "fmt": "fmt"}

# fmt: off
# Every route of the URL configuration. A key "name[variant]" is one more row for the route
# "name" (another record, or a submitted form).
#                                                     anon.  outsd. other  coord. leader
PAGES: dict[str, Row] = {
    # no record: public, or the signed-in person's own
    "healthz":                                    get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "organisations:regions":                      get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "set_language":                              post(MOVED, MOVED, MOVED, MOVED, MOVED),
    "accounts:login":                             get(OKAY,  MOVED, MOVED, MOVED, MOVED),
    "accounts:logout":                           post(SI,    SI,    SI,    SI,    SI),
    "accounts:second_factor":                     get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "accounts:switch_membership":                post(SI,    MOVED, MOVED, MOVED, MOVED),
    "accounts:sessions":                          get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "home":                                       get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "people:search":                              get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "coordination:my_work":                       get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "coordination:notifications_read":           post(SI,    MOVED, MOVED, MOVED, MOVED),
    "coordination:referrals":                     get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    "coordination:concern_sent":                  get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    # role pages: a pure role refusal about no record (not audited)
    "coordination:leader_review":                 get(SI,    E403,  E403,  E403,  OKAY, audited=False),  # noqa: E501
    "coordination:record_concern":                get(SI,    OKAY,  OKAY,  OKAY,  E403, audited=False),  # noqa: E501
    # ... the same form about the child: the outsider may not find the child; a member's
    # concern goes into the case; the leader is refused by role before any record is read
    "coordination:record_concern[the child]":    post(SI,    E404,  MOVED, MOVED, E403, audited=False),  # noqa: E501
    "coordination:emergency_access":              get(SI,    OKAY,  OKAY,  OKAY,  OKAY),
    # nobody here may break the glass: members need not, the leader is no professional, the
    # outsider's municipality has no such child — all told the same: no case found
    "coordination:emergency_access[the child]":  post(SI,    BAD,   BAD,   BAD,   BAD),
    "coordination:review_emergency":             post(SI,    E404,  E404,  E404,  MOVED),
    # the child
    "people:detail":                              get(SI,    E404,  OKAY,  OKAY,  OKAY),
    # the case
    "coordination:case":                          get(SI,    E404,  OKAY,  OKAY,  OKAY),
    "coordination:add_log_entry":                post(SI,    E404,  MOVED, MOVED, E403),
    # the nurse's entry: only the school health service corrects it; PPT does not even see it
    "coordination:correct_log_entry":             get(SI,    E404,  E404,  E404,  E404),
    "coordination:correct_log_entry[own entry]":  get(SI,    E404,  E404,  OKAY,  E404, params=OWN_ENTRY),  # noqa: E501
    "coordination:correct_log_entry[own, sent]": post(SI,    E404,  E404,  MOVED, E404, params=OWN_ENTRY),  # noqa: E501
    "coordination:change_level":                 post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:request_closing":              post(SI,    E404,  MOVED, MOVED, E403),
    # the case is open: the leader's approval is answered with a message, no change
    "coordination:approve_closing":              post(SI,    E404,  E403,  E403,  MOVED),
    "coordination:reopen":                       post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:add_team_member":              post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:remove_team_member":           post(SI,    E404,  MOVED, MOVED, E404),
    "coordination:add_family_participant":       post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:propose_coordinator":          post(SI,    E404,  MOVED, MOVED, E403),
    # offered to PPT's professional: only they answer
    "coordination:answer_handover":              post(SI,    E404,  MOVED, E403,  E403),
    # the concern the colleague sent: for the coordinator only
    "coordination:invite_sender":                post(SI,    E404,  E404,  MOVED, E404),
    "coordination:record_consent":               post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:withdraw_consent":             post(SI,    E404,  MOVED, MOVED, E404),
    "coordination:record_legal_basis":           post(SI,    E404,  MOVED, MOVED, E403),
    # the plan
    "coordination:plan":                          get(SI,    E404,  OKAY,  OKAY,  OKAY),
    "coordination:plan_print":                    get(SI,    E404,  OKAY,  OKAY,  OKAY),
    "coordination:plan_summary":                 post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:add_goal":                     post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:add_measure":                  post(SI,    E404,  MOVED, MOVED, E403),
    # the school's goal and measure: only the author's service changes its own entries
    # (policy.CaseAccess.item_decision); PPT sees them, so it is told 403
    "coordination:measure_status":               post(SI,    E404,  E403,  MOVED, E403),
    "coordination:goal_status":                  post(SI,    E404,  E403,  MOVED, E403),
    "coordination:add_evaluation":               post(SI,    E404,  MOVED, MOVED, E403),
    # the child's words, written down by a member of the team on the child's behalf
    "coordination:record_voice":                 post(SI,    E404,  MOVED, MOVED, E403),
    # meetings and tasks
    "coordination:schedule_meeting":             post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:meeting":                       get(SI,    E404,  OKAY,  OKAY,  OKAY),
    "coordination:record_minutes":               post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:complete_task":                post(SI,    E404,  MOVED, MOVED, E404),
    # referrals: from the school to PPT; PPT answers, the school (sender) sees it but may not
    "coordination:refer":                        post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:referral":                      get(SI,    E404,  OKAY,  OKAY,  OKAY),
    "coordination:answer_referral":              post(SI,    E404,  MOVED, E403,  E403),
    # transitions
    "coordination:plan_transition":              post(SI,    E404,  MOVED, MOVED, E403),
    "coordination:tick_transition":              post(SI,    E404,  MOVED, MOVED, E404),
    "coordination:complete_transition":          post(SI,    E404,  MOVED, MOVED, E404),
    # the family's own pages: for citizens only. Every professional is refused by role before
    # any record is read (not audited); the family's own matrix is test_family_matrix.py.
    "portal:home":                                get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:case":                                get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:add_voice":                          post(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:consents":                            get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:give_consent":                        get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:give_consent[sent]":                 post(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:withdraw_consent":                    get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:withdraw_consent[sent]":             post(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:access_log":                          get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:exports":                             get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:request_export":                     post(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    # the guardian's export of the child
    "portal:export":                              get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:export_progress":                     get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:export_download":                     get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    "portal:export_print":                        get(SI,    E403,  E403,  E403,  E403, audited=False),  # noqa: E501
    # not served: the demo sign-in outside demo mode, the citizen sign-in without OpenID Connect
    "portal:demo_sign_in":                        get(E404,  E404,  E404,  E404,  E404, audited=False),  # noqa: E501
    "oidc:authenticate":                          get(E404,  E404,  E404,  E404,  E404, audited=False),  # noqa: E501
    "oidc:callback":                              get(E404,  E404,  E404,  E404,  E404, audited=False),  # noqa: E501
    # the knowledge base: official statistics and suppressed aggregates, public to all; the
    # pages read nothing but GET (405 before the region is looked up)
    "insight:index":                              get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:index[sent]":                       post(E405,  E405,  E405,  E405,  E405),
    "insight:indicators":                         get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:indicators[sent]":                  post(E405,  E405,  E405,  E405,  E405),
    "insight:compare":                            get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, query=COMPARED),  # noqa: E501
    "insight:compare[sent]":                     post(E405,  E405,  E405,  E405,  E405, query=COMPARED),  # noqa: E501
    "insight:profile":                            get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:profile[sent]":                     post(E405,  E405,  E405,  E405,  E405),
    "insight:profile_csv":                        get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:profile_csv[sent]":                 post(E405,  E405,  E405,  E405,  E405),
    "insight:indicator_csv":                      get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:indicator_csv[sent]":               post(E405,  E405,  E405,  E405,  E405),
    # the commentary is read by all, written only by an analyst of the municipality (none of
    # these five; tests/security/test_insight_access.py signs in analysts and editors)
    "insight:commentary":                         get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "insight:commentary[sent]":                  post(SI,    E403,  E403,  E403,  E403),
    # imports of official statistics and the research download: analysts and directorate
    # editors only; every refusal of a signed-in person is audited
    "insight:imports":                            get(SI,    E403,  E403,  E403,  E403),
    "insight:imports[upload]":                   post(SI,    E403,  E403,  E403,  E403),
    "insight:import_detail":                      get(SI,    E403,  E403,  E403,  E403),
    "insight:import_progress":                    get(SI,    E403,  E403,  E403,  E403),
    "insight:research":                           get(SI,    E403,  E403,  E403,  E403),
    "insight:research_download":                  get(SI,    E403,  E403,  E403,  E403, query=RESEARCH),  # noqa: E501
    # the catalogue's published entries: public; an unpublished one is not found, except by
    # those who may edit it (the leader writes Skien's development measures); no person's
    # record is behind them, so the 404 is not audited
    "catalogue:index":                            get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:index[sent]":                     post(E405,  E405,  E405,  E405,  E405),
    "catalogue:instruments":                      get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:coordination":                     get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:instrument":                       get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=ENTRY["instrument"]),  # noqa: E501
    "catalogue:instrument[draft]":                get(E404,  E404,  E404,  E404,  E404, params=DRAFT_INSTRUMENT, audited=False),  # noqa: E501
    "catalogue:instrument[sent]":                post(E405,  E405,  E405,  E405,  E405, params=ENTRY["instrument"]),  # noqa: E501
    "catalogue:initiatives":                      get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:initiative":                       get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=ENTRY["initiative"]),  # noqa: E501
    "catalogue:initiative[draft]":                get(E404,  E404,  E404,  E404,  OKAY, params=DRAFT_INITIATIVE, audited=False),  # noqa: E501
    "catalogue:networks":                         get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:network":                          get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=ENTRY["network"]),  # noqa: E501
    "catalogue:practices":                        get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:practice":                         get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=ENTRY["practice"]),  # noqa: E501
    "catalogue:resources":                        get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "catalogue:resource":                         get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=ENTRY["resource"]),  # noqa: E501
    # the catalogue's editorial pages: directorate editors (not among these five) write it all;
    # the school's service leader writes Skien's development measures (a municipal author);
    # professionals are refused by role before any entry is read
    "catalogue:editorial":                        get(SI,    E403,  E403,  E403,  OKAY),
    "catalogue:create":                           get(SI,    E403,  E403,  E403,  OKAY, params=INITIATIVES),  # noqa: E501
    "catalogue:create[sent]":                    post(SI,    E403,  E403,  E403,  MOVED, params=INITIATIVES),  # noqa: E501
    "catalogue:create[an instrument]":            get(SI,    E403,  E403,  E403,  E403, params=INSTRUMENTS),  # noqa: E501
    "catalogue:edit":                             get(SI,    E403,  E403,  E403,  OKAY, params=DRAFT_INITIATIVE),  # noqa: E501
    "catalogue:edit[sent]":                      post(SI,    E403,  E403,  E403,  MOVED, params=DRAFT_INITIATIVE),  # noqa: E501
    "catalogue:edit[an instrument]":              get(SI,    E403,  E403,  E403,  E403, params=DRAFT_INSTRUMENT),  # noqa: E501
    "catalogue:history":                          get(SI,    E403,  E403,  E403,  OKAY, params=DRAFT_INITIATIVE),  # noqa: E501
    # the draft was written by a directorate editor: the leader is another author, so publishes
    "catalogue:publish":                         post(SI,    E403,  E403,  E403,  MOVED, params=DRAFT_INITIATIVE),  # noqa: E501
    "catalogue:withdraw":                        post(SI,    E403,  E403,  E403,  MOVED, params=PUBLISHED_INITIATIVE),  # noqa: E501
    "catalogue:withdraw[read]":                   get(E405,  E405,  E405,  E405,  E405, params=PUBLISHED_INITIATIVE, audited=False),  # noqa: E501
    "catalogue:adopt_practice":                  post(SI,    E403,  E403,  E403,  MOVED, params=PRACTICE),  # noqa: E501
    # imports are the directorate editors' (tests/catalogue/test_interchange.py signs them in)
    "catalogue:import":                           get(SI,    E403,  E403,  E403,  E403),
    "catalogue:import[upload]":                  post(SI,    E403,  E403,  E403,  E403),
    # exports: the published catalogue, public
    "catalogue:export":                           get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=EXPORT_ALL),  # noqa: E501
    "catalogue:export[sent]":                    post(E405,  E405,  E405,  E405,  E405, params=EXPORT_ALL),  # noqa: E501
    # the API's own pages (its operations are in API below)
    "api:openapi-json":                           get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "api:openapi-view":                           get(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    # nothing is there: a 404 about no record (not audited)
    "api:api-root":                               get(E404,  E404,  E404,  E404,  E404, audited=False),  # noqa: E501
}

# Every operation of /api/v1/openapi.json, by operationId (bearer tokens; anonymous: none).
#                                                     anon.  outsd. other  coord. leader
API: dict[str, Row] = {
    "search_persons":                             api(E401,  OKAY,  OKAY,  OKAY,  OKAY),
    "register_person":                            api(E401,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_person":                                 api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "list_cases":                                 api(E401,  OKAY,  OKAY,  OKAY,  OKAY),
    "record_concern":                             api(E401,  E404,  OKAY,  OKAY,  E403),
    "get_case":                                   api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "change_level":                               api(E401,  E404,  OKAY,  OKAY,  E403),
    "close_case":                                 api(E401,  E404,  OKAY,  OKAY,  E403),
    # the case is open: the leader passes the policy and meets the rule (422)
    "approve_closing":                            api(E401,  E404,  E403,  E403,  BAD),
    "reopen_case":                                api(E401,  E404,  OKAY,  OKAY,  E403),
    "list_log_entries":                           api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "add_log_entry":                              api(E401,  E404,  OKAY,  OKAY,  E403),
    # the nurse's entry: the coordinator and leader see it (consent), PPT does not
    "correct_log_entry":                          api(E401,  E404,  E404,  E403,  E403),
    "correct_log_entry[own entry]":               api(E401,  E404,  E403,  OKAY,  E403, params=OWN_ENTRY),  # noqa: E501
    "list_team":                                  api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "add_team_member":                            api(E401,  E404,  OKAY,  OKAY,  E403),
    "remove_team_member":                         api(E401,  E404,  OKAY,  OKAY,  E403),
    "list_consents":                              api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "record_consent":                             api(E401,  E404,  OKAY,  OKAY,  E403),
    "withdraw_consent":                           api(E401,  E404,  OKAY,  OKAY,  E403),
    "get_plan":                                   api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "update_plan":                                api(E401,  E404,  OKAY,  OKAY,  E403),
    "add_goal":                                   api(E401,  E404,  OKAY,  OKAY,  E403),
    "add_measure":                                api(E401,  E404,  OKAY,  OKAY,  E403),
    "add_evaluation":                             api(E401,  E404,  OKAY,  OKAY,  E403),
    "record_voice":                               api(E401,  E404,  OKAY,  OKAY,  E403),
    "list_meetings":                              api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "schedule_meeting":                           api(E401,  E404,  OKAY,  OKAY,  E403),
    "list_referrals":                             api(E401,  OKAY,  OKAY,  OKAY,  OKAY),
    "refer":                                      api(E401,  E404,  OKAY,  OKAY,  E403),
    "get_referral":                               api(E401,  E404,  OKAY,  OKAY,  OKAY),
    "mark_referral_received":                     api(E401,  E404,  OKAY,  E403,  E403),
    "accept_referral":                            api(E401,  E404,  OKAY,  E403,  E403),
    "decline_referral":                           api(E401,  E404,  OKAY,  E403,  E403),
    # only an accepted referral is completed: PPT passes the policy and meets the rule
    "complete_referral":                          api(E401,  E404,  BAD,   E403,  E403),
    "list_transitions":                           api(E401,  OKAY,  OKAY,  OKAY,  OKAY),
    "list_transitions[one case]":                 api(E401,  E404,  OKAY,  OKAY,  OKAY, query={"case_id": "case_id"}),  # noqa: E501
    "plan_transition":                            api(E401,  E404,  OKAY,  OKAY,  E403),
    "complete_transition":                        api(E401,  E404,  OKAY,  OKAY,  E403),
    # the knowledge base: public (no security in the document), a token changes nothing
    "list_regions":                               api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "list_indicators":                            api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_profile":                                api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_aggregates":                             api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, query={"municipality": "municipality"}),  # noqa: E501
    # the catalogue: published entries, public
    "list_instruments":                           api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_instrument":                             api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=API_ENTRY["instrument"]),  # noqa: E501
    "list_initiatives":                           api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_initiative":                             api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=API_ENTRY["initiative"]),  # noqa: E501
    "list_networks":                              api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_network":                                api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=API_ENTRY["network"]),  # noqa: E501
    "list_practices":                             api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_practice":                               api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=API_ENTRY["practice"]),  # noqa: E501
    "list_resources":                             api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY),
    "get_resource":                               api(OKAY,  OKAY,  OKAY,  OKAY,  OKAY, params=API_ENTRY["resource"]),  # noqa: E501
}
# fmt: on

# The nurse's entry must show where the consent lets it through, and nowhere else.
HEALTH_SHOWN = {
    "coordination:case": {"coordinator", "leader"},
    "list_log_entries": {"coordinator", "leader"},
}
SEES_HEALTH = {"coordinator", "leader"}
# Neither the anonymous visitor nor the outsider ever reads the child's or the family's name.
SEES_NAMES = {"other_sector", "coordinator", "leader"}

Ids = Mapping[str, Any]
Body = Callable[[Ids], dict[str, Any]]
# A file of official statistics for the upload form (valid: what refuses is the role).
CATALOGUE_JSON = b'{"format": "samhandling-catalogue", "version": 1}'
IMPORT_CSV = "region,period,indicator,value,status\r\n{code},2026,{indicator},16200,\r\n"

# fmt: off
FORMS: dict[str, Body] = {
    "set_language": lambda i: {"language": "en", "next": "/"},
    "coordination:record_concern[the child]": lambda i: {
        "person": i["person_id"], "text": "Hungry every morning", "observed_on": i["today"]},
    "coordination:emergency_access[the child]": lambda i: {
        "national_id": i["national_id"], "reason": "The child says it is not safe at home"},
    "coordination:review_emergency": lambda i: {
        f"review{i['access_id']}-note": "Checked with the substitute"},
    "coordination:add_log_entry": lambda i: {
        "log-kind": "note", "log-occurred_on": i["today"], "log-text": "Met the child",
        "log-visibility": "team"},
    "coordination:correct_log_entry[own, sent]": lambda i: {"text": "Talked with the child"},
    "coordination:change_level": lambda i: {
        "level-level": 2, "level-reason": "Two services", "level-expected_version": i["case_version"]},  # noqa: E501
    "coordination:request_closing": lambda i: {"close-reason": "Sleeps well now"},
    "coordination:reopen": lambda i: {"reopen-reason": "Tired again"},
    "coordination:add_team_member": lambda i: {"team-organisation": i["org_school_health"]},
    "coordination:add_family_participant": lambda i: {"family-person": i["guardian_id"]},
    "coordination:propose_coordinator": lambda i: {"coordinator-member": i["nurse_member_id"]},
    "coordination:answer_handover": lambda i: {"answer": "decline"},
    "coordination:record_consent": lambda i: {
        "consent-given_by": i["guardian_id"], "consent-form": "written",
        "consent-purpose": "Cooperation with PPT", "consent-sectors": ["ppt"],
        "consent-services": [i["org_school"], i["org_ppt"]], "consent-valid_from": i["today"]},
    "coordination:withdraw_consent": lambda i: {"reason": "The family withdrew it"},
    "coordination:record_legal_basis": lambda i: {
        "basis-law": "other", "basis-description": "Named in the decision",
        "basis-to_service": i["org_nav"], "basis-sectors": ["school"],
        "basis-valid_from": i["today"]},
    "coordination:plan_summary": lambda i: {
        "summary-summary": "Sleep and school", "summary-expected_version": i["plan_version"]},
    "coordination:add_goal": lambda i: {
        "goal-title": "Has a friend in class", "goal-visibility": "team",
        "goal-expected_version": i["plan_version"]},
    "coordination:add_measure": lambda i: {
        "measure-title": "Recess buddy", "measure-responsible_service": i["org_school"],
        "measure-starts": i["today"], "measure-visibility": "team",
        "measure-expected_version": i["plan_version"]},
    "coordination:measure_status": lambda i: {
        f"m{i['measure_id']}-status": "ongoing",
        f"m{i['measure_id']}-expected_version": i["plan_version"]},
    "coordination:goal_status": lambda i: {
        f"g{i['goal_id']}-status": "reached", f"g{i['goal_id']}-expected_version": i["plan_version"]},  # noqa: E501
    "coordination:add_evaluation": lambda i: {
        "evaluation-target": f"goal:{i['goal_id']}", "evaluation-outcome": "partly",
        "evaluation-text": "Better some days", "evaluation-expected_version": i["plan_version"]},
    "coordination:record_voice": lambda i: {
        "voice-kind": "matters", "voice-text": "That nobody shouts in the mornings"},
    "coordination:schedule_meeting": lambda i: {"meeting-starts_at": f"{i['later']}T10:00"},
    "coordination:record_minutes": lambda i: {
        "minutes-minutes": "We met", "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "5"},
    "coordination:refer": lambda i: {
        "referral-to_service": i["org_child_welfare"], "referral-reason": "Family support",
        "referral-consent": i["school_consent_id"], "referral-answer_within_days": 14},
    "coordination:plan_transition": lambda i: {
        "transition-kind": "school_work", "transition-planned_for": i["later"]},
    "coordination:tick_transition": lambda i: {"index": 0, "done": "on"},
    # the family's forms, filled in as the guardian would (the professionals are refused by role)
    "portal:add_voice": lambda i: {"kind": "matters", "text": "Calm mornings"},
    "portal:give_consent[sent]": lambda i: {
        "services": [i["org_school"], i["org_school_health"]], "sectors": ["school_health"],
        "purpose": "Sleep and school", "valid_to": i["later"]},
    "portal:withdraw_consent[sent]": lambda i: {"reason": "We want to talk first"},
    "portal:request_export": lambda i: {"person_id": i["person_id"]},
    # the knowledge base's forms, as an analyst would send them (these five are refused)
    "insight:commentary[sent]": lambda i: {"text": "Fewer young people drop out", "based_on": 0},
    "insight:imports[upload]": lambda i: {
        "file": SimpleUploadedFile("population.csv", IMPORT_CSV.format(**i).encode()),
        "format": "csv"},
    "catalogue:create[sent]": lambda i: {
        "title_nb": "Tidlig innsats", "progress": "planned", "origin": "example"},
    "catalogue:edit[sent]": lambda i: {
        "title_nb": "Tidlig innsats", "key": "utkast-til-tiltak", "progress": "planned",
        "origin": "example",
        "version": i["draft_initiative_version"]},
    "catalogue:publish": lambda i: {"version": i["draft_initiative_version"]},
    "catalogue:withdraw": lambda i: {"version": i["initiative_version"]},
    "catalogue:import[upload]": lambda i: {
        "file": SimpleUploadedFile("catalogue.json", CATALOGUE_JSON)},
}

API_BODIES: dict[str, Body] = {
    "search_persons": lambda i: {"query": FAMILY},
    "register_person": lambda i: {
        "given_name": "Nyregistrert", "family_name": "Personsen", "date_of_birth": "2014-04-04"},
    "record_concern": lambda i: {"person_id": i["person_id"], "text": "Hungry every morning"},
    "change_level": lambda i: {
        "level": 2, "reason": "Two services", "expected_version": i["case_version"]},
    "close_case": lambda i: {"reason": "Sleeps well now"},
    "reopen_case": lambda i: {"reason": "Tired again"},
    "add_log_entry": lambda i: {"kind": "note", "text": "Met the child"},
    "correct_log_entry": lambda i: {"text": "Corrected"},
    "add_team_member": lambda i: {"organisation_id": i["org_school_health"]},
    "record_consent": lambda i: {
        "given_by_id": i["guardian_id"], "form": "written", "purpose": "Cooperation with PPT",
        "sectors": ["ppt"], "service_ids": [i["org_school"], i["org_ppt"]]},
    "withdraw_consent": lambda i: {"reason": "The family withdrew it"},
    "update_plan": lambda i: {"summary": "Sleep and school", "expected_version": i["plan_version"]},  # noqa: E501
    "add_goal": lambda i: {"title": "Has a friend in class", "expected_version": i["plan_version"]},  # noqa: E501
    "add_measure": lambda i: {
        "title": "Recess buddy", "responsible_service_id": i["org_school"], "starts": i["today"],
        "expected_version": i["plan_version"]},
    "add_evaluation": lambda i: {
        "outcome": "partly", "text": "Better some days", "goal_id": i["goal_id"],
        "expected_version": i["plan_version"]},
    "record_voice": lambda i: {"kind": "matters", "text": "That nobody shouts in the mornings"},
    "schedule_meeting": lambda i: {"starts_at": f"{i['later']}T10:00:00+01:00"},
    "refer": lambda i: {
        "case_id": i["case_id"], "to_service_id": i["org_child_welfare"],
        "reason": "Family support", "consent_id": i["school_consent_id"]},
    "decline_referral": lambda i: {"reason": "No capacity this term"},
    "plan_transition": lambda i: {
        "case_id": i["case_id"], "kind": "school_work", "planned_for": i["later"]},
}
# fmt: on

LOGIN_PATH = "/accounts/login/"


def base(key: str) -> str:
    return key.split("[", 1)[0]


def outcome_of(response: HttpResponse) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return SIGN_IN if response["Location"].startswith(LOGIN_PATH) else REDIRECT
    if status in (200, 201, 204):
        return OK
    if status in (400, 409, 422):
        return INVALID
    return str(status)


def fill(template: str, pattern: str, ids: Ids, params: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = params.get(name, name)
        if key not in ids:
            raise KeyError(f"the world has no id for the path parameter {name!r} of {template}")
        return str(ids[key])

    return re.sub(pattern, value, template)


def query_string(ids: Ids, query: Mapping[str, str]) -> str:
    """The query string (?name=value…) from the world's ids; a list is the parameter repeated."""
    if not query:
        return ""
    return "?" + urlencode({name: ids[key] for name, key in query.items()}, doseq=True)


def page_url(route: str, ids: Ids, params: Mapping[str, str],
             query: Mapping[str, str] | None = None) -> str:  # fmt: skip
    return "/" + fill(route, r"<(?:\w+:)?(\w+)>", ids, params) + query_string(ids, query or {})


def api_url(path: str, ids: Ids, row: Row) -> str:
    return fill(path, r"\{(\w+)\}", ids, row.params) + query_string(ids, row.query)


def openapi_operations() -> list[tuple[str, str, str]]:
    """(method, path, operationId) of every operation the API documents."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    return [
        (method.upper(), path, operation["operationId"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_route_and_operation_has_a_row(db: None) -> None:
    operations = openapi_operations()
    operation_ids = [operation_id for _method, _path, operation_id in operations]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    route_names = {name for _route, name in project_routes()}
    assert "" not in route_names, "every route needs a name (and a row here)"
    page_names = route_names - {f"api:{operation_id}" for operation_id in operation_ids}
    rows = {base(key) for key in PAGES}
    assert sorted(page_names - rows) == [], "routes without a row in PAGES"
    assert sorted(rows - page_names) == [], "rows in PAGES for routes that do not exist"
    api_rows = {base(key) for key in API}
    assert sorted(set(operation_ids) - api_rows) == [], "API operations without a row in API"
    assert sorted(api_rows - set(operation_ids)) == [], "rows in API for no operation"
    assert {key for key in FORMS} <= PAGES.keys()
    assert {key for key in API_BODIES} <= {base(key) for key in API}


@dataclass
class Run:
    world: MatrixWorld
    sessions: dict[str, str]  # actor -> session key
    bearer: dict[str, str]  # actor -> token
    mismatches: list[str] = field(default_factory=list)
    checked: int = 0
    client: Client = field(default_factory=lambda: Client(raise_request_exception=False))

    def request(self, actor: str, method: str, url: str, body: dict[str, Any] | None,
                *, json_api: bool) -> Any:  # fmt: skip
        # One client (its middleware is loaded once), with no cookie but the actor's session.
        client = self.client
        client.cookies.clear()
        extra: dict[str, Any] = {}
        if json_api:
            if actor in self.bearer:
                extra["HTTP_AUTHORIZATION"] = f"Bearer {self.bearer[actor]}"
            if method == "GET":
                return client.get(url, **extra)
            return client.generic(method, url, json.dumps(body or {}),
                                  content_type="application/json", **extra)  # fmt: skip
        if actor in self.sessions:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        if method == "GET":
            return client.get(url)
        return client.post(url, body or {})

    def check(self, key: str, row: Row, method: str, url: str, body: Body | None,
              *, json_api: bool) -> None:  # fmt: skip
        ids = self.world.ids
        for actor, expected in zip(ACTORS, row.expect, strict=True):
            self.checked += 1
            user = self.world.users[actor]
            where = f"{key:<46} {actor:<13}"
            savepoint = transaction.savepoint()
            try:
                before = AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0
                response = self.request(actor, method, url, body(ids) if body else None,
                                        json_api=json_api)  # fmt: skip
                got = outcome_of(response)
                if got != expected:
                    self.mismatches.append(f"{where} {method} {url}: expected {expected}, "
                                           f"got {got} ({response.status_code})")  # fmt: skip
                if response.status_code >= 500:
                    continue
                content = response.content.decode(errors="replace")
                if HEALTH_TEXT in content and actor not in SEES_HEALTH:
                    self.mismatches.append(f"{where} reads the nurse's entry (no consent)")
                if actor in HEALTH_SHOWN.get(key, ()) and HEALTH_TEXT not in content:
                    self.mismatches.append(f"{where} does not see the nurse's entry "
                                           "that the consent lets through")  # fmt: skip
                if actor not in SEES_NAMES and (FAMILY in content or CHILD_GIVEN in content):
                    self.mismatches.append(f"{where} reads the child's or family's name")
                if got in REFUSALS and user is not None and row.audited:
                    audited = AuditEvent.objects.filter(
                        sequence__gt=before, actor_id=user.pk, outcome="refused"
                    ).exists()
                    if not audited:
                        self.mismatches.append(
                            f"{where} {method} {url}: refused ({got}), no refused AuditEvent"
                        )
            finally:
                transaction.savepoint_rollback(savepoint)


def test_authorisation_matrix(
    db: None,
    settings: Any,
    skien: Any,
    porsgrunn: Any,
    teacher: Any,
    make_service: Any,
    make_user: Any,
    make_person: Any,
) -> None:
    settings.REQUIRE_2FA = False
    world = build(skien, porsgrunn, teacher, make_service, make_user, make_person)
    sessions, bearer = {}, {}
    for actor, user in world.users.items():
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        sessions[actor] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        bearer[actor] = tokens.issue_token(user, name="authorisation matrix")
    run = Run(world, sessions, bearer)

    routes = {name: route for route, name in project_routes()}
    for key, row in PAGES.items():
        route = routes.get(base(key))
        if route is None:
            run.mismatches.append(f"{key}: no such route (see the coverage test)")
            continue
        url = page_url(route, world.ids, row.params, row.query)
        run.check(key, row, row.method, url, FORMS.get(key), json_api=False)

    operations = {operation_id: (method, path) for method, path, operation_id in
                  openapi_operations()}  # fmt: skip
    for key, row in API.items():
        if base(key) not in operations:
            run.mismatches.append(f"{key}: no such operation (see the coverage test)")
            continue
        method, path = operations[base(key)]
        url = api_url(path, world.ids, row)
        run.check(key, row, method, url, API_BODIES.get(base(key)), json_api=True)

    assert run.checked == 5 * (len(PAGES) + len(API))
    assert not run.mismatches, (
        f"{len(run.mismatches)} mismatches in {run.checked} checks:\n" + "\n".join(run.mismatches)
    )
