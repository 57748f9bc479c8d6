"""The template library `pages` (settings.TEMPLATES): page links of a paged list
(components/pagination.html), where each list may have its own query parameter, so that a page
can hold two paged lists; and a page's body written in Jinja2 (config/jinja.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: Any, param: str, number: int) -> str:
    """As `{% querystring page=number %}`, for the list whose page is `?<param>=`: the rest of
    the query string (the filters, another list's page) is kept."""
    params = context.request.GET.copy()
    params[param] = number
    return f"?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def jinja_body(context: Any, name: str) -> SafeString:
    """The Jinja2 template `name` rendered with the page's context (decision 0006): the view's
    values, the context processors', the request, and `csrf_input`, the form field of the CSRF
    token. The token is masked once for the page, as Django's `{% csrf_token %}` does (the
    Jinja2 backend's own `csrf_input` masks it anew for every form of the page)."""
    values = context.flatten()
    values["request"] = context.request
    token = values.get("csrf_token")
    values["csrf_input"] = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"  # noqa: S105 - Django's marker, not a secret
        else ""
    )
    # The Jinja2 template itself, not Django's wrapper (which would set its own csrf_input):
    body = engines["jinja2"].get_template(name).template  # type: ignore[attr-defined]
    return mark_safe(body.render(values))  # noqa: S308 - Jinja2 escaped it
