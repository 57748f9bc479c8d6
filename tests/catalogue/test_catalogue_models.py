"""Invariants the database keeps whatever writes to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from samhandling.catalogue.models import Entry, Initiative, Practice
from samhandling.organisations.actors import Actor


@pytest.mark.parametrize(("age_from", "age_to"), [(18, 12), (0, 25)])
def test_the_database_refuses_an_age_span_outside_0_24(
    swedish: dict[str, Any], editor: Actor, age_from: int, age_to: int
) -> None:
    fields = {**swedish, "age_from": age_from, "age_to": age_to}
    with pytest.raises(IntegrityError), transaction.atomic():
        Practice.objects.create(**fields, edited_by=editor.user, edited_at="2026-01-01T00:00Z")


def test_an_initiative_belongs_to_a_municipality_or_a_network(
    draft: Callable[..., Entry], skien: object
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        draft(Initiative, title_nb="Tidlig innsats")
    assert draft(Initiative, title_nb="Tidlig innsats", municipality=skien).pk
