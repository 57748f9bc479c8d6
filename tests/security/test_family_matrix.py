"""The family's authorisation matrix: every route of the family's own pages, as six actors.

The rows must name every route of the "portal" namespace (test_every_family_route_has_a_row),
each with the guardian's records and, in the variants "[youth's …]", the youth's.

The actors (access/policy.py, the family's rules; tests/security/family_world.py):
- anonymous: not signed in (sent to sign in);
- professional: the teacher who coordinates every case here; the family's pages are not theirs
  (403, by role, before any record is read: not audited);
- guardian: Anne Barnesen, with parental responsibility for Sofie (12): sees Sofie's case as it
  is shared with the family, never what is confidential from guardians;
- other_guardian: Karimor Andersplass, the guardian of another child in Skien with a case of
  his own: sees nothing of the Barnesens, not even that their records exist (404);
- youth: Ylvalill Ungdomsen (16), who sees her own case, including what is confidential from
  guardians;
- youth_guardian: Perolav Ungdomsen, her guardian: no standing in her case from 16 (no child
  welfare is involved), nor in her access log or data.

Each (row, actor) is one request in a savepoint that is rolled back afterwards, so every row
meets the same world. Forms are sent valid, so what stops an actor is the authorisation. Every
response is read: each text, name and identity number of SEEN_BY appears only for its actors,
and the texts of SHOWN must appear where named. Every refusal of a signed-in actor (but the
professional's role refusal) must have left an AuditEvent with outcome "refused" for them.
Every mismatch is collected and reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Max
from django.test import Client
from family_world import (
    HIDDEN_FROM_GUARDIANS_TEXT,
    OTHER_CHILD_GIVEN,
    OTHER_FAMILY,
    SHARED_TEXT,
    YOUTH_CONSENT_PURPOSE,
    YOUTH_FAMILY,
    YOUTH_GIVEN,
    YOUTH_GUARDIAN_CONSENT_PURPOSE,
    YOUTH_HEALTH_TEXT,
    FamilyWorld,
    build_family,
)
from matrix_world import CHILD_GIVEN, FAMILY, HEALTH_TEXT
from routes import project_routes
from test_authorisation_matrix import (
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    OK,
    REDIRECT,
    REFUSALS,
    SIGN_IN,
    base,
    outcome_of,
    page_url,
)

from samhandling.audit.models import AuditEvent

ACTORS = ("anonymous", "professional", "guardian", "other_guardian", "youth", "youth_guardian")
CITIZENS = ("guardian", "other_guardian", "youth", "youth_guardian")


@dataclass(frozen=True)
class Row:
    method: str
    expect: tuple[str, str, str, str, str, str]  # in the order of ACTORS
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter -> world id
    # Refusals that are a pure role check, made before any record is read: not audited.
    role_refused: frozenset[str] = frozenset({"professional"})
    audited: bool = True  # False: nothing is behind the path (a route not served)


def get(*expect: str, **options: Any) -> Row:
    return Row("GET", expect, **options)  # type: ignore[arg-type]


def post(*expect: str, **options: Any) -> Row:
    return Row("POST", expect, **options)  # type: ignore[arg-type]


SI, OKAY, MOVED, BAD, E403, E404 = SIGN_IN, OK, REDIRECT, INVALID, FORBIDDEN, NOT_FOUND

YOUTH_CASE = {"case_id": "youth_case_id"}
YOUTH_CONSENT = {"consent_id": "youth_consent_id"}
GIVEN_BY_YOUTH_GUARDIAN = {"consent_id": "youth_guardian_consent_id"}
GUARDIAN_HERSELF = {"person_id": "guardian_id"}
YOUTH = {"person_id": "youth_id"}
YOUTH_GUARDIAN = {"person_id": "youth_guardian_id"}
YOUTH_EXPORT = {"export_id": "youth_export_id"}

# fmt: off
# Every route of the family's pages. Without a variant: Sofie's case, the consent her guardian
# gave, Sofie herself, and the export of Sofie's data that her guardian made.
#                                                       anon.  prof.  guard. other  youth  y.guard.  # noqa: E501
PAGES: dict[str, Row] = {
    "portal:home":                                  get(SI,    E403,  OKAY,  OKAY,  OKAY,  OKAY),
    # the case
    "portal:case":                                  get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:case[youth's case]":                    get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_CASE),  # noqa: E501
    "portal:add_voice":                            post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:add_voice[meeting rating]":            post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:add_voice[youth's case]":              post(SI,    E403,  E404,  E404,  MOVED, E404, params=YOUTH_CASE),  # noqa: E501
    # consent
    "portal:consents":                              get(SI,    E403,  OKAY,  OKAY,  OKAY,  OKAY),
    "portal:give_consent":                          get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:give_consent[sent]":                   post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:give_consent[youth's case]":            get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_CASE),  # noqa: E501
    "portal:give_consent[youth's case, sent]":     post(SI,    E403,  E404,  E404,  MOVED, E404, params=YOUTH_CASE),  # noqa: E501
    "portal:withdraw_consent":                      get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:withdraw_consent[sent]":               post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:withdraw_consent[youth's]":             get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_CONSENT),  # noqa: E501
    "portal:withdraw_consent[youth's, sent]":      post(SI,    E403,  E404,  E404,  MOVED, E404, params=YOUTH_CONSENT),  # noqa: E501
    # the consent the youth's guardian gave for her: she sees it, but withdraws it only at 18
    # (the record is hers to see, the action not hers to do); he gave it, but has no standing
    # in her case from 16
    "portal:withdraw_consent[by y.guardian]":       get(SI,    E403,  E404,  E404,  E403,  E404, params=GIVEN_BY_YOUTH_GUARDIAN),  # noqa: E501
    "portal:withdraw_consent[by y.guardian, sent]":post(SI,    E403,  E404,  E404,  E403,  E404, params=GIVEN_BY_YOUTH_GUARDIAN),  # noqa: E501
    # who read my data: one's own, and a child's under 16
    "portal:access_log":                            get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:access_log[guardian's own]":            get(SI,    E403,  OKAY,  E404,  E404,  E404, params=GUARDIAN_HERSELF),  # noqa: E501
    "portal:access_log[youth's]":                   get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH),  # noqa: E501
    "portal:access_log[y.guardian's own]":          get(SI,    E403,  E404,  E404,  E404,  OKAY, params=YOUTH_GUARDIAN),  # noqa: E501
    # my data to take away
    "portal:exports":                               get(SI,    E403,  OKAY,  OKAY,  OKAY,  OKAY),
    "portal:request_export":                       post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:request_export[guardian's own]":       post(SI,    E403,  MOVED, E404,  E404,  E404),
    "portal:request_export[youth's]":              post(SI,    E403,  E404,  E404,  MOVED, E404),
    "portal:export":                                get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:export_progress":                       get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:export_download":                       get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:export_print":                          get(SI,    E403,  OKAY,  E404,  E404,  E404),
    "portal:export[youth's]":                       get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_EXPORT),  # noqa: E501
    "portal:export_progress[youth's]":              get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_EXPORT),  # noqa: E501
    "portal:export_download[youth's]":              get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_EXPORT),  # noqa: E501
    "portal:export_print[youth's]":                 get(SI,    E403,  E404,  E404,  OKAY,  E404, params=YOUTH_EXPORT),  # noqa: E501
    # only in demo mode (the tests run without it): served to no one
    "portal:demo_sign_in":                          get(E404,  E404,  E404,  E404,  E404,  E404, audited=False),  # noqa: E501
}

Ids = Mapping[str, Any]
Body = Callable[[Ids], dict[str, Any]]

FORMS: dict[str, Body] = {
    "portal:add_voice": lambda i: {"kind": "matters", "text": "That the mornings are calm"},
    "portal:add_voice[meeting rating]": lambda i: {
        "kind": "meeting", "meeting": i["held_meeting_id"],
        f"meeting-{i['held_meeting_id']}-rating": 4, f"meeting-{i['held_meeting_id']}-text": "Good"},  # noqa: E501
    "portal:add_voice[youth's case]": lambda i: {"kind": "works", "text": "Talking at lunch"},
    "portal:give_consent[sent]": lambda i: {
        "services": [i["org_school"], i["org_school_health"]], "sectors": ["school_health"],
        "purpose": "Sleep and school", "valid_to": i["valid_to"]},
    "portal:give_consent[youth's case, sent]": lambda i: {
        "services": [i["org_school"], i["org_school_health"]], "sectors": ["school_health"],
        "purpose": "Health and school work", "valid_to": i["valid_to"]},
    "portal:withdraw_consent[sent]": lambda i: {"reason": "We want to talk first"},
    "portal:withdraw_consent[youth's, sent]": lambda i: {"reason": "I changed my mind"},
    "portal:withdraw_consent[by y.guardian, sent]": lambda i: {"reason": "I decide"},
    "portal:request_export": lambda i: {"person_id": i["person_id"]},
    "portal:request_export[guardian's own]": lambda i: {"person_id": i["guardian_id"]},
    "portal:request_export[youth's]": lambda i: {"person_id": i["youth_id"]},
}
# fmt: on

NOBODY: frozenset[str] = frozenset()


def seen_by(world: FamilyWorld) -> dict[str, frozenset[str]]:
    """Who may read each text, name and identity number, in any response of the family's pages."""
    persons = world.persons
    return {
        # the nurse's entry in Sofie's case is not shared with the family
        HEALTH_TEXT: NOBODY,
        # shared with Sofie's family, but confidential from her guardian (she has no account)
        HIDDEN_FROM_GUARDIANS_TEXT: NOBODY,
        SHARED_TEXT: frozenset({"guardian"}),
        # the youth's own: not her guardian's from 16
        YOUTH_HEALTH_TEXT: frozenset({"youth"}),
        YOUTH_CONSENT_PURPOSE: frozenset({"youth"}),
        YOUTH_GUARDIAN_CONSENT_PURPOSE: frozenset({"youth"}),
        YOUTH_GIVEN: frozenset({"youth"}),
        YOUTH_FAMILY: frozenset({"youth", "youth_guardian"}),  # his own name too
        # one family never reads the other's names
        CHILD_GIVEN: frozenset({"guardian"}),
        FAMILY: frozenset({"guardian"}),
        OTHER_CHILD_GIVEN: frozenset({"other_guardian"}),
        OTHER_FAMILY: frozenset({"other_guardian"}),
        # identity numbers: one's own, and a child's under 16
        persons["child"].national_id: frozenset({"guardian"}),
        persons["guardian"].national_id: frozenset({"guardian"}),
        persons["other_child"].national_id: frozenset({"other_guardian"}),
        persons["other_guardian"].national_id: frozenset({"other_guardian"}),
        persons["youth"].national_id: frozenset({"youth"}),
        persons["youth_guardian"].national_id: frozenset({"youth_guardian"}),
    }


# What must be there: the family reads what is shared with them, in the page and the export.
SHOWN: dict[tuple[str, str], tuple[str, ...]] = {
    ("portal:case", "guardian"): (SHARED_TEXT,),
    ("portal:case[youth's case]", "youth"): (YOUTH_HEALTH_TEXT,),
    ("portal:consents", "youth"): (YOUTH_CONSENT_PURPOSE, YOUTH_GUARDIAN_CONSENT_PURPOSE),
    ("portal:export_download", "guardian"): (SHARED_TEXT,),
    ("portal:export_download[youth's]", "youth"): (YOUTH_HEALTH_TEXT,),
}


def test_every_family_route_has_a_row(db: None) -> None:
    routes = {name for _route, name in project_routes() if name.startswith("portal:")}
    rows = {base(key) for key in PAGES}
    assert sorted(routes - rows) == [], "family routes without a row in PAGES"
    assert sorted(rows - routes) == [], "rows in PAGES for routes that do not exist"
    assert FORMS.keys() <= PAGES.keys()
    assert {key for key, _actor in SHOWN} <= PAGES.keys()


@dataclass
class Run:
    world: FamilyWorld
    sessions: dict[str, str]  # actor -> session key
    seen_by: dict[str, frozenset[str]]
    mismatches: list[str] = field(default_factory=list)
    checked: int = 0
    client: Client = field(default_factory=lambda: Client(raise_request_exception=False))

    def request(
        self, actor: str, method: str, url: str, body: dict[str, Any] | None
    ) -> Any:  # the test client's response
        client = self.client
        client.cookies.clear()
        if actor in self.sessions:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        if method == "GET":
            return client.get(url)
        return client.post(url, body or {})

    def check(self, key: str, row: Row, url: str, body: Body | None) -> None:
        ids = self.world.ids
        for actor, expected in zip(ACTORS, row.expect, strict=True):
            self.checked += 1
            user = self.world.users[actor]
            where = f"{key:<46} {actor:<15}"
            savepoint = transaction.savepoint()
            try:
                before = AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0
                response = self.request(actor, row.method, url, body(ids) if body else None)
                got = outcome_of(response)
                if got != expected:
                    self.mismatches.append(f"{where} {row.method} {url}: expected {expected}, "
                                           f"got {got} ({response.status_code})")  # fmt: skip
                if response.status_code >= 500:
                    continue
                content = (b"".join(response.streaming_content) if response.streaming
                           else response.content)  # fmt: skip
                text = content.decode(errors="replace")
                for secret, readers in self.seen_by.items():
                    if secret in text and actor not in readers:
                        self.mismatches.append(f"{where} reads {secret!r}")
                for shown in SHOWN.get((key, actor), ()):
                    if shown not in text:
                        self.mismatches.append(f"{where} does not read {shown!r}")
                role_check = got == FORBIDDEN and actor in row.role_refused
                if got in REFUSALS and user is not None and row.audited and not role_check:
                    audited = AuditEvent.objects.filter(
                        sequence__gt=before, actor_id=user.pk, outcome="refused"
                    ).exists()
                    if not audited:
                        self.mismatches.append(
                            f"{where} {row.method} {url}: refused ({got}), no refused AuditEvent"
                        )
            finally:
                transaction.savepoint_rollback(savepoint)


def test_family_matrix(
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
    world = build_family(skien, porsgrunn, teacher, make_service, make_user, make_person)
    sessions = {}
    for actor, user in world.users.items():
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        sessions[actor] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    run = Run(world, sessions, seen_by(world))

    routes = {name: route for route, name in project_routes()}
    for key, row in PAGES.items():
        route = routes.get(base(key))
        if route is None:
            run.mismatches.append(f"{key}: no such route (see the coverage test)")
            continue
        run.check(key, row, page_url(route, world.ids, row.params), FORMS.get(key))

    assert run.checked == len(ACTORS) * len(PAGES)
    assert not run.mismatches, (
        f"{len(run.mismatches)} mismatches in {run.checked} checks:\n" + "\n".join(run.mismatches)
    )
