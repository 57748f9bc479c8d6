"""`get_<field>_display()` at the cost of one dictionary lookup.

Django's own builds a dictionary of the field's choices on every call, and hashing each
translated label to build it translates the label: a field with ten choices costs ten
translations per call. A list of 25 practices with four such fields each made 800 translations
(bench/breakdown.py). `ChoiceLabels`, first among a model's bases, keeps one dictionary per
field with the labels still lazy, so each call translates only the label it returns, in the
language of the request.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field: Field[Any, Any]) -> dict[Any, Any]:
    """The field's choices, value → label, labels untranslated (choices never change at run
    time in this project: none is a callable)."""
    return {make_hashable(value): label for value, label in field.flatchoices}


class ChoiceLabels:
    def _get_FIELD_display(self, field: Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
