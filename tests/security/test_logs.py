"""Logs carry ids and codes, never names, identity numbers or free text about a person."""

import logging
from collections.abc import Callable

import pytest
from django.test import Client

from samhandling.accounts.models import User
from samhandling.audit.logging import JsonFormatter, RedactPersonalData, redact
from samhandling.people.models import Person


def test_identity_numbers_and_query_strings_are_masked() -> None:
    line = redact('"GET /x?name=Ola+Nordmann HTTP/1.1" 200 fnr 17851212345')
    assert "Ola" not in line
    assert "17851212345" not in line
    assert "[redacted-id]" in line


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RedactPersonalData().filter(record)
    line = JsonFormatter().format(record)
    assert line.startswith("{") and '"message": "hello world"' in line


@pytest.mark.parametrize("path_kind", ["page", "search", "missing"])
def test_working_with_a_person_logs_nothing_personal(
    path_kind: str,
    make_person: Callable[..., Person],
    teacher: User,
    signed_in: Callable[[User], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = make_person("Unikfornavn", "Unikettersen")
    client = signed_in(teacher)
    caplog.set_level(logging.DEBUG)
    if path_kind == "page":
        client.get(f"/people/{person.pk}/")
    elif path_kind == "search":
        client.post("/people/", {"query": person.national_id})
        client.post("/people/", {"query": "Unikettersen"})
    else:
        client.get("/people/987654/?q=Unikfornavn")
    formatter, redactor = JsonFormatter(), RedactPersonalData()
    for record in caplog.records:
        redactor.filter(record)
        line = formatter.format(record)
        assert "Unikfornavn" not in line
        assert "Unikettersen" not in line
        assert person.national_id not in line
