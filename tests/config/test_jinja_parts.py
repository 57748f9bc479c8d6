"""The Jinja2 macros shared by the page bodies (jinja2/components/parts.html) write what their
Django twins write."""

from typing import Any

import pytest
from django import forms
from django.template import engines
from django.test import RequestFactory

from samhandling.catalogue.filters import PracticeFilter
from samhandling.people.forms import PersonSearchForm


def _django(name: str, **values: Any) -> str:
    request = RequestFactory().get("/")
    return engines["django"].get_template(name).render({"request": request, **values}, request)


def _jinja(call: str, **values: Any) -> str:
    source = '{% import "components/parts.html" as parts %}' + call
    return engines["jinja2"].from_string(source).render(values)


class _Example(forms.Form):
    word = forms.CharField(label="Word <b>", help_text="Help & more", max_length=3)
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B <i>")], required=False)


@pytest.mark.parametrize(
    "data", [{}, {"word": "too long", "kind": "c"}, {"word": "ok", "kind": "b"}]
)
def test_the_field_macro_writes_what_components_field_writes(data: dict[str, str]) -> None:
    forms_ = [_Example(data or None), PracticeFilter(data), PersonSearchForm(data or None)]
    for form in forms_:
        form.is_valid()
        for name in form.fields:
            field = form[name]
            expected = _django("components/field.html", field=field).strip()
            assert _jinja("{{ parts.field(field) }}", field=field) == expected, name
