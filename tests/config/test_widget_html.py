"""config.widget_html writes widgets exactly as Django's Jinja2 widget templates do."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms

from samhandling.config import widget_html

HOSTILE = "\"><script>alert('x')</script>&amp;"


class Everything(forms.Form):
    text = forms.CharField(label="Tekst", help_text="Hjelp", max_length=20)
    number = forms.IntegerField(min_value=1, max_value=90, required=False)
    email = forms.EmailField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(required=False)
    words = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(required=False)
    one = forms.ChoiceField(choices=[("", "Velg"), ("a", "Æ & Ø"), ("b", HOSTILE)])
    grouped = forms.ChoiceField(
        choices=[("Skole", [("s1", "Skole 1"), ("s2", "Skole <2>")]), ("h", "Helse")],
        required=False,
    )
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.SelectMultiple, required=False
    )
    ticks = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", HOSTILE)], widget=forms.CheckboxSelectMultiple, required=False
    )


BOUND: list[dict[str, Any]] = [
    {},  # unbound
    {
        "text": HOSTILE,
        "number": "0",
        "email": "ikke e-post",
        "day": "2026-13-01",
        "words": f"linje 1\n{HOSTILE}",
        "agree": "on",
        "one": "b",
        "grouped": "s2",
        "many": ["x", "y"],
        "ticks": ["y"],
    },  # fmt: skip
    {"text": "ok", "day": "2026-11-26", "one": "zzz", "words": ""},
]


@pytest.mark.parametrize("data", BOUND, ids=["unbound", "hostile", "invalid choice"])
def test_every_widget_written_here_is_the_html_django_renders(data: dict[str, Any]) -> None:
    form = Everything(data or None, initial={"day": datetime.date(2026, 11, 26), "number": 14})
    form.is_valid()
    written = 0
    for field in form:
        html = widget_html.html_of(field)
        if field.field.widget.template_name in widget_html.WRITTEN_HERE:
            assert html == str(field), field.name
            written += 1
        else:
            assert html is None, field.name
        for option in field.subwidgets if field.name == "ticks" else []:
            assert widget_html.input_html(option.data) == option.tag(), option.data["label"]
    assert written == 10
    assert "<script>" not in "".join(str(widget_html.html_of(f)) for f in form)


def test_a_widget_not_written_here_falls_back_to_django() -> None:
    form = Everything()
    assert widget_html.html_of(form["ticks"]) is None
    form.fields["amount"] = forms.DecimalField(localize=True)
    assert widget_html.html_of(form["amount"]) is None


@pytest.mark.parametrize("data", BOUND, ids=["unbound", "hostile", "invalid choice"])
def test_the_field_component_renders_each_widget_as_the_form_renderer_does(
    data: dict[str, Any],
) -> None:
    """components/field.html writes its widget with the `widget` filter (config/pages.py):
    the same HTML as `{{ field }}`, for every field, a hidden initial value included."""
    from django.template import engines

    from samhandling.config.pages import widget

    form = Everything(data or None, initial={"day": datetime.date(2026, 11, 26), "number": 14})
    form.fields["kept"] = forms.CharField(show_hidden_initial=True, required=False)
    form.is_valid()
    component = engines["django"].get_template("components/field.html")
    as_before = engines["django"].from_string(
        component.template.source.replace("{{ field|widget }}", "{{ field }}")
    )
    for field in form:
        assert widget(field) == str(field), field.name
        assert component.render({"field": field}) == as_before.render({"field": field})
    assert 'name="initial-kept"' in widget(form["kept"])
