"""Schemathesis generates requests from our OpenAPI document: none may end in a server error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings

from samhandling.accounts import tokens
from samhandling.accounts.models import User
from samhandling.people.models import Person


def test_generated_requests_never_get_a_server_error(
    teacher: User, make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> None:
    concern_by(make_person())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token(teacher, name='fuzz')}")
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document)
                  .get_all_operations()]  # fmt: skip
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=10, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            body: dict[str, Any] = {}
            if type(case.body).__name__ != "NotSet":
                body = {"data": json.dumps(case.body), "content_type": "application/json"}
            path = case.formatted_path
            if case.query:
                path += "?" + "&".join(f"{key}={value}" for key, value in case.query.items())
            response = getattr(client, case.method.lower())(path, **body)
            assert response.status_code < 500, (case.method, path, case.body)

        call()
    assert len(operations) == 37
