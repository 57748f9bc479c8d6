"""A small JSON client for the API tests: a bearer token or a session, and JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, token: str = "", client: Client | None = None, csrf: str = "") -> None:
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if csrf:
            self.headers["HTTP_X_CSRFTOKEN"] = csrf

    def request(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        call = getattr(self.client, method)
        url = path if path.startswith(PREFIX) else PREFIX + path
        kwargs: dict[str, Any] = {**self.headers, **extra}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        return call(url, **kwargs)

    def get(self, path: str, **extra: Any) -> Any:
        return self.request("get", path, **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("post", path, {} if body is None else body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("patch", path, {} if body is None else body, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self.request("delete", path, **extra)


def api_client_for(user: Any) -> ApiClient:
    """An API client with a fresh bearer token for the user."""
    from samhandling.accounts import tokens

    return ApiClient(token=tokens.issue_token(user, name="test"))


def created(response: Any) -> dict[str, Any]:
    """The body of a 201 answer (the test fails on any other status)."""
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body
