"""Field types shared by the API's schemas: ids that fit the database, bounded clean text.

Every text field has the maximum length of its model field, so that no input can make the
database (or the process) fail: bad input is a 422, never a 500.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.db.models import Choices
from django.utils import timezone
from ninja import Schema
from ninja.params import functions as params
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1  # the largest bigint: anything above it cannot name a row


def _no_null_characters(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("null_character", "Null characters are not allowed.")
    return value


NO_NULL = AfterValidator(_no_null_characters)
# Text of at most N characters, without null characters (the lengths of the model fields).
Text8 = Annotated[str, StringConstraints(max_length=8), NO_NULL]
Text32 = Annotated[str, StringConstraints(max_length=32), NO_NULL]
Text100 = Annotated[str, StringConstraints(max_length=100), NO_NULL]
Text200 = Annotated[str, StringConstraints(max_length=200), NO_NULL]
Text300 = Annotated[str, StringConstraints(max_length=300), NO_NULL]
Text500 = Annotated[str, StringConstraints(max_length=500), NO_NULL]
Text2000 = Annotated[str, StringConstraints(max_length=2_000), NO_NULL]
Text5000 = Annotated[str, StringConstraints(max_length=5_000), NO_NULL]
Text10000 = Annotated[str, StringConstraints(max_length=10_000), NO_NULL]
Text20000 = Annotated[str, StringConstraints(max_length=20_000), NO_NULL]


EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


def _aware(value: datetime.datetime) -> datetime.datetime:
    """In the site's time zone when no offset is given; within 1900–2200, so that converting
    it to UTC for the database cannot overflow."""
    try:
        aware = timezone.make_aware(value) if timezone.is_naive(value) else value
        in_range = EARLIEST <= aware <= LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise PydanticCustomError("datetime_range", "The time must be between 1900 and 2200.")
    return aware


def inline_choices(choices: type[Choices]) -> WithJsonSchema:
    """The choices' values written out where a field uses them. Left to themselves, enums go to
    the OpenAPI document's shared definitions under their class name, where LogEntry.Kind,
    Transition.Kind, Region.Kind, Instrument.Kind and Resource.Kind overwrite one another: the
    document would promise one kind's values for all five."""
    return WithJsonSchema({"type": "string", "enum": [str(value) for value in choices.values]})


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, params.Path(ge=1, le=MAX_ID)]
AwareDateTime = Annotated[datetime.datetime, AfterValidator(_aware)]


class Input(Schema):
    """A request body: unknown fields are errors, so that a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")
