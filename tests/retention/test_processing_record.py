"""The record of processing (docs/processing-record.md) cannot drift from the code: every model
that points to a person, a user or a case, and every other model known to hold personal data,
is in its table with its personal fields, and its retention periods are the settings'."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from samhandling.coordination.models import Case
from samhandling.people.models import Person

RECORD = Path(settings.BASE_DIR) / "docs" / "processing-record.md"
# Personal data without a foreign key to a person, user or case.
PERSONAL_WITHOUT_KEY = {
    "people.Person",
    "accounts.User",
    "audit.AuditEvent",
    "accounts.LoginThrottle",
    "sessions.Session",
}
ROW = re.compile(r"^\| `(?P<label>\w+\.\w+)` \| (?P<fields>[^|]*) \|", re.MULTILINE)


def section(title: str) -> str:
    text = RECORD.read_text()
    start = text.index(f"# {title}\n")
    end = text.find("\n#", start + len(title) + 2)
    return text[start : end if end != -1 else None]


def listed() -> dict[str, set[str]]:
    rows = ROW.finditer(section("Personal data per model"))
    return {row["label"]: set(re.findall(r"`(\w+)`", row["fields"])) for row in rows}


def keys_to_personal_data(model: type[models.Model]) -> set[str]:
    """The model's foreign keys and many-to-many fields to a person, a user or a case."""
    targets = (Person, apps.get_model(settings.AUTH_USER_MODEL), Case)
    return {
        field.name
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model in targets
    }


def test_every_model_that_points_to_a_person_a_user_or_a_case_is_in_the_record() -> None:
    table = listed()
    expected = {
        model._meta.label for model in apps.get_models() if keys_to_personal_data(model)
    } | PERSONAL_WITHOUT_KEY
    assert expected - set(table) == set(), "add these models to docs/processing-record.md"
    assert len(expected) >= 40


def test_every_key_to_a_person_or_a_user_is_named_among_the_personal_fields() -> None:
    table = listed()
    user = apps.get_model(settings.AUTH_USER_MODEL)
    missing = {}
    for label, fields in table.items():
        model = apps.get_model(label)
        keys = {
            name
            for name in keys_to_personal_data(model)
            if model._meta.get_field(name).related_model in (Person, user)
        }
        if keys - fields:
            missing[label] = keys - fields
    assert missing == {}


def test_every_model_and_field_the_record_names_exists() -> None:
    for label, fields in listed().items():
        model = apps.get_model(label)  # LookupError for a model that is gone
        for name in fields:
            model._meta.get_field(name)  # FieldDoesNotExist for a field that is gone


def test_the_retention_periods_are_the_settings_defaults() -> None:
    periods = dict(
        re.findall(r"^\| `(RETENTION_\w+_DAYS)` \| (\d+) \|", section("Retention periods"), re.M)
    )
    assert periods == {
        f"RETENTION_{key.upper()}": str(days) for key, days in settings.RETENTION.items()
    }
