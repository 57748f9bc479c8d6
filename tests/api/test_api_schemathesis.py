"""Schemathesis generates requests from our OpenAPI document: none may end in a server error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from tests.security.matrix_world import knowledge_base

from samhandling.accounts import tokens
from samhandling.accounts.models import User
from samhandling.organisations.models import Region
from samhandling.people.models import Person

# The knowledge base's operations are public (no security in the document): they are fuzzed
# without credentials, as they are called; every other operation with the teacher's token.
CATALOGUE_KINDS = ("instruments", "initiatives", "networks", "practices", "resources")
PUBLIC_OPERATIONS = {
    "list_regions", "list_indicators", "get_profile", "get_aggregates",
    *(f"list_{kind}" for kind in CATALOGUE_KINDS),
    *(f"get_{kind.removesuffix('s')}" for kind in CATALOGUE_KINDS),
}  # fmt: skip
OPERATIONS = 51


def test_generated_requests_never_get_a_server_error(
    teacher: User,
    skien: Region,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
) -> None:
    concern_by(make_person())
    knowledge_base(Region.objects.select_related("parent__parent").get(pk=skien.pk))
    signed_in = Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token(teacher, name='fuzz')}")
    anonymous = Client()
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document)
                  .get_all_operations()]  # fmt: skip
    public = [op for op in operations if not op.definition.raw.get("security")]
    assert {op.definition.raw["operationId"] for op in public} == PUBLIC_OPERATIONS
    for operation in operations:
        fuzz(operation, anonymous if operation in public else signed_in)
    assert len(operations) == OPERATIONS


def fuzz(operation: Any, client: Client) -> None:
    """Ten generated requests to the operation; none may end in a server error."""

    @given(operation.as_strategy())
    @settings(max_examples=10, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(case: Any) -> None:
        body: dict[str, Any] = {}
        if type(case.body).__name__ != "NotSet":
            body = {"data": json.dumps(case.body), "content_type": "application/json"}
        path = case.formatted_path
        if case.query:
            path += "?" + urlencode(case.query, doseq=True)
        response = getattr(client, case.method.lower())(path, **body)
        assert response.status_code < 500, (case.method, path, case.body)

    call()
