"""`get_<field>_display()` at the cost of a dictionary lookup.

Django's own builds a dictionary of the field's choices on every call, and hashing each
translated label to build it translates the label: a field with ten choices costs ten
translations per call. A list of 25 practices with four such fields each made 800 translations
(bench/breakdown.py). `ChoiceLabels`, first among a model's bases, keeps each field's labels,
translated once per language, and gives each field a plain `get_<field>_display` function in
place of Django's `partialmethod` (which makes a new bound partial at every call): some 4 µs a
call where it was 14 µs, and the experience bank's list makes a hundred such calls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Field
from django.db.models.signals import class_prepared
from django.dispatch import receiver
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field: Field[Any, Any]) -> dict[Any, Any]:
    """The field's choices, value → label, labels untranslated (choices never change at run
    time in this project: none is a callable)."""
    return {make_hashable(value): label for value, label in field.flatchoices}


def _display_of(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """The field's `get_<field>_display`: its value's label in the active language, or the
    value itself (as a string; None and numbers as they are) when it is not among the choices,
    as Django's own."""
    attname = field.attname
    translated: dict[str | None, dict[Any, Any]] = {}  # language → value → label

    def display(self: Any) -> Any:
        value = getattr(self, attname)
        language = translation.get_language()
        labels = translated.get(language)
        if labels is None:  # the first call in this language (gettext in `language`)
            labels = translated[language] = {
                key: force_str(label, strings_only=True) for key, label in _labels(field).items()
            }
        try:
            return labels[value]
        except KeyError:
            return force_str(value, strings_only=True)
        except TypeError:  # unhashable (a list): as Django looks it up
            return labels.get(make_hashable(value), force_str(value, strings_only=True))

    display.__name__ = f"get_{field.name}_display"
    display.__doc__ = f"The label of {field.name} in the active language."
    return display


class ChoiceLabels:
    def _get_FIELD_display(self, field: Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)


@receiver(class_prepared)
def _displays_as_functions(sender: type[Any], **kwargs: Any) -> None:
    """Each `get_<field>_display` that Django made for a ChoiceLabels model (a partialmethod
    of `_get_FIELD_display`) becomes a plain function; one the model writes itself stays."""
    if not issubclass(sender, ChoiceLabels):
        return
    for field in sender._meta.fields:  # type: ignore[attr-defined]  # a model, by now
        name = f"get_{field.name}_display"
        if field.choices and isinstance(sender.__dict__.get(name), functools.partialmethod):
            setattr(sender, name, _display_of(field))
