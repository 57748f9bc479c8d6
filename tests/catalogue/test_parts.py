"""The catalogue's Jinja2 macros (catalogue/parts.html) write what their Django twins write; the
shared form field: tests/config/test_jinja_parts.py."""

from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation


def _django(name: str, **values: Any) -> str:
    request = RequestFactory().get("/catalogue/practices/", {"q": "skole"})
    return engines["django"].get_template(name).render({"request": request, **values}, request)


def _jinja(call: str, **values: Any) -> str:
    request = RequestFactory().get("/catalogue/practices/", {"q": "skole"})
    source = '{% import "catalogue/parts.html" as parts %}' + call
    return engines["jinja2"].from_string(source).render({"request": request, **values})


@pytest.mark.parametrize("language", ["nb", "en"])
def test_each_macro_writes_what_its_django_component_writes(language: str) -> None:
    with translation.override(language):
        assert _jinja("{{ parts.assets() }}") == _django("catalogue/_assets.html").strip()
        assert _jinja("{{ parts.back() }}") == _django("catalogue/_back.html").strip()
        listed = {"list_url": "/catalogue/practices/?q=<x>", "list_label": "Practices & more"}
        assert (_jinja("{{ parts.back(list_url, list_label) }}", **listed)
                == _django("catalogue/_back.html", **listed).strip())  # fmt: skip
        assert (_jinja("{{ parts.filter_buttons(request) }}")
                == _django("catalogue/_filter_buttons.html").strip())  # fmt: skip
