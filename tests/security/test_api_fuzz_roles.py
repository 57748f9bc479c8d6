"""Schemathesis against our own OpenAPI document, with the bearer token of every role there is.

The world is the authorisation matrix's (tests/security/matrix_world.py: a case in Skien with one
record of every kind, the knowledge base and the catalogue), and beside it a child of Porsgrunn
with a guardian and a case that Porsgrunn's teacher (the outsider) recorded. Any user may hold
an API token (an administrator issues it to a user, whatever the role), so every role fuzzes
every operation: Skien's professional (the coordinator), service leader, analyst and system
administrator, a directorate editor, and Porsgrunn's professional.

For every request, valid by the document or not (schemathesis' positive and negative data):
- no server error (5xx);
- the answer is the document's: a documented status code, content type and headers, a body
  that validates against the response's schema, and invalid data refused with a 4xx
  (schemathesis' own checks);
- no body names a person of a municipality the role does not work in (names and identity
  numbers): Skien's roles never read Porsgrunn's child or guardian, Porsgrunn's teacher never
  Skien's, and the directorate editor, who works in no municipality, neither.

Path ids are half of the time generated and half of the time those of real records in either
municipality; besides, every read operation is asked once for each record of the other
municipality, and the person search for each of its names and identity numbers. The number of
generated requests per operation and role is FUZZ_EXAMPLES (docs/fuzzing.md has the long run).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matrix_world import build
from ninja.openapi.schema import OpenAPISchema
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samhandling.accounts import tokens
from samhandling.accounts.models import User
from samhandling.config.api import api
from samhandling.coordination import services
from samhandling.coordination.models import LogEntry, TeamMember
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Role
from samhandling.people import services as people
from samhandling.people.models import FamilyRelation, Person

pytestmark = pytest.mark.django_db

# Generated requests per operation and role (docs/fuzzing.md has the long run): 5 keeps the
# file at about half a minute per database.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
OPERATIONS = 51
# Porsgrunn's family: names that appear nowhere else in the world.
PORSGRUNN_CHILD = ("Torgrim", "Vestermyrvik")
PORSGRUNN_GUARDIAN = ("Gunnvor", "Vestermyrvik")
# Records of each municipality, by the name of the path parameter that names them.
Ids = dict[str, list[int]]


def documented_status(ctx: CheckContext, response: Response, case: Any) -> bool | None:
    """schemathesis' status_code_conformance, except for two answers 400 that the document
    does not list yet (docs/fuzzing.md): a body that is not JSON (docs/api.md gives it for every
    operation with a body), and a query string of more parameters than Django reads
    (DATA_UPLOAD_MAX_NUMBER_FIELDS; only invalid data has that many)."""
    if response.status_code == 400:
        if case.operation.definition.raw.get("requestBody"):
            try:
                json.loads(response.request.body or b"")
            except ValueError:
                return None
        fields = parse_qsl(urlsplit(response.request.url or "").query, keep_blank_values=True)
        if len(fields) > django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
            return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    documented_status,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass(frozen=True)
class Fuzzer:
    """One role's token client, and what of the other municipality it must never read."""

    role: str
    client: Client
    forbidden: tuple[str, ...]  # names and identity numbers
    foreign: Ids = field(default_factory=dict)  # records to ask for by id


@pytest.fixture(autouse=True)
def _fast_hashing_and_no_rate_limits(settings: Any) -> None:
    # The rate limits have their own tests; here they would only cut the fuzzing short.
    settings.RATE_LIMITS = {}


def identifying(persons: Iterable[Person]) -> tuple[str, ...]:
    """What would identify a person in a body: the names and the identity number."""
    found: list[str] = []
    for person in persons:
        found += [person.given_name, person.family_name, person.national_id]
    return tuple(value for value in found if value)


def token_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token(user, name='fuzz')}")


def test_every_role_fuzzes_every_operation_without_errors_or_leaks(
    skien: Region,
    porsgrunn: Region,
    teacher: User,
    make_service: Callable[..., Organisation],
    make_user: Callable[..., User],
    make_person: Callable[..., Person],
) -> None:
    matrix = build(skien, porsgrunn, teacher, make_service, make_user, make_person)
    outsider = matrix.world.users["outsider"]
    by_outsider = actor_for(outsider)
    child = make_person(*PORSGRUNN_CHILD, by=by_outsider, municipality=porsgrunn)
    guardian = make_person(*PORSGRUNN_GUARDIAN, by=by_outsider, municipality=porsgrunn,
                           born=datetime.date(1984, 2, 9))  # fmt: skip
    case = services.record_concern(child, by=by_outsider, text="Tired every morning").case
    assert case is not None
    people.relate(child, by=by_outsider, relative=guardian, kind=FamilyRelation.Kind.GUARDIAN,
                  parental_responsibility=True)  # fmt: skip

    in_porsgrunn: Ids = {
        "person_id": [child.pk, guardian.pk],
        "case_id": [case.pk],
        "entry_id": list(LogEntry.objects.filter(case=case).values_list("pk", flat=True)),
        "member_id": list(TeamMember.objects.filter(case=case).values_list("pk", flat=True)),
    }
    in_skien: Ids = {
        name: [value] for name, value in matrix.ids.items()
        if isinstance(value, int) and name.endswith("_id")
    }  # fmt: skip
    in_skien["person_id"].append(matrix.ids["guardian_id"])
    porsgrunn_persons = identifying([child, guardian])
    skien_persons = identifying(Person.objects.filter(municipality=skien))
    assert porsgrunn_persons and skien_persons

    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    bufdir = Organisation.objects.create(name="Bufdir", kind=Organisation.Kind.DIRECTORATE)
    analyst = make_user(administration, Role.ANALYST)
    admin = make_user(administration, Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    editor = make_user(bufdir, Role.DIRECTORATE_EDITOR)
    everywhere = {name: in_skien.get(name, []) + in_porsgrunn.get(name, [])
                  for name in in_skien.keys() | in_porsgrunn.keys()}  # fmt: skip
    fuzzers = [
        Fuzzer("professional (Skien)", token_client(teacher), porsgrunn_persons, in_porsgrunn),
        Fuzzer("service leader (Skien)", token_client(matrix.world.users["leader"]),
               porsgrunn_persons, in_porsgrunn),
        Fuzzer("analyst (Skien)", token_client(analyst), porsgrunn_persons, in_porsgrunn),
        Fuzzer("system administrator (Skien)", token_client(admin), porsgrunn_persons,
               in_porsgrunn),
        Fuzzer("directorate editor", token_client(editor), porsgrunn_persons + skien_persons,
               everywhere),
        Fuzzer("professional (Porsgrunn)", token_client(outsider), skien_persons, in_skien),
    ]  # fmt: skip

    document = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document)
                  .get_all_operations()]  # fmt: skip
    assert len(operations) == OPERATIONS
    for fuzzer in fuzzers:
        for operation in operations:
            fuzz(operation, fuzzer, everywhere)
            probe(operation, fuzzer)


def fuzz(operation: Any, fuzzer: Fuzzer, real: Ids) -> None:
    """EXAMPLES generated requests, valid and invalid, to the operation as the role."""
    id_parameters = [
        parameter["name"] for parameter in operation.definition.raw.get("parameters", [])
        if parameter["in"] == "path" and real.get(parameter["name"])
    ]  # fmt: skip

    @given(
        case=operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE),
        ids=st.none() | st.fixed_dictionaries(
            {name: st.sampled_from(real[name]) for name in id_parameters}
        ),
    )  # fmt: skip
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(case: Any, ids: dict[str, int] | None) -> None:
        if ids and case.meta.generation.mode.is_positive:  # a negative case keeps its bad ids
            case.path_parameters = {**(case.path_parameters or {}), **ids}
        check(case, fuzzer)

    call()


def probe(operation: Any, fuzzer: Fuzzer) -> None:
    """Every read of the other municipality's records by their ids, and the person search for
    each of its persons' names and identity numbers."""
    if operation.definition.raw["operationId"] == "search_persons":
        for value in fuzzer.forbidden:
            check(operation.Case(body={"query": value}, media_type="application/json"), fuzzer)
        return
    if operation.method.upper() != "GET":
        return
    names = [parameter["name"] for parameter in operation.definition.raw.get("parameters", [])
             if parameter["in"] == "path"]  # fmt: skip
    if not names or not all(fuzzer.foreign.get(name) for name in names):
        return
    for values in itertools.product(*(fuzzer.foreign[name] for name in names)):
        check(operation.Case(path_parameters=dict(zip(names, values, strict=True))), fuzzer)


def check(case: Any, fuzzer: Fuzzer) -> None:
    response = send(case, fuzzer.client)
    case.validate_response(response, checks=CHECKS)
    body = readable(response.content)
    leaked = [value for value in fuzzer.forbidden if value in body]
    assert not leaked, (fuzzer.role, case.method, case.formatted_path, leaked)


def send(case: Any, client: Client) -> Response:
    """The case as schemathesis would send it (its own serialisation of bodies, valid or not),
    through the test client; the answer as schemathesis' checks read one."""
    request = requests.Request(**{
        key: value for key, value in case.as_transport_kwargs(base_url="http://testserver").items()
        if key in ("method", "url", "headers", "params", "json", "data", "cookies")
    }).prepare()  # fmt: skip
    headers = {name: value for name, value in request.headers.items()
               if name.lower() not in ("content-type", "content-length")}  # fmt: skip
    response = client.generic(
        request.method or "GET", request.path_url, data=request.body or b"",
        content_type=request.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )  # fmt: skip
    return Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=False,
        message=response.reason_phrase,
        encoding=response.charset,
    )


def readable(content: bytes) -> str:
    """The body as text, with JSON's escapes of non-ASCII letters undone."""
    text = content.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def test_no_two_types_share_a_name_in_the_openapi_document(monkeypatch: Any) -> None:
    """django-ninja keeps one shared definition per class name and silently keeps the last: five
    enums called Kind once made the document promise a resource's kinds for log entries,
    transitions, regions and instruments. A definition met twice must be the same."""
    met: dict[str, list[Any]] = {}
    add = OpenAPISchema.add_schema_definitions

    def recording(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            met.setdefault(name, []).append(definition)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    api.get_openapi_schema(path_prefix="/api/v1/")
    assert met
    assert not [name for name, seen in met.items() if any(d != seen[0] for d in seen)]
