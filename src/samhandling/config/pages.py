"""The template library `pages` (settings.TEMPLATES): page links of a paged list
(components/pagination.html), where each list may have its own query parameter, so that a page
can hold two paged lists; a form field's widget (components/field.html); and a page's body
written in Jinja2 (config/jinja.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import widget_html
from .jinja import PAGE_VALUES, RENDERED_IN, rendered_in

register = template.Library()


@register.filter
def widget(field: BoundField) -> SafeString:
    """`{{ field }}`: the field's widget, written out in Python where config/widget_html.py
    writes that widget (byte for byte as the form renderer's templates), else rendered by them.
    components/field.html, on some 40 forms, renders its widget so (decision 0005)."""
    html = None if field.field.show_hidden_initial else widget_html.html_of(field)
    if html is None:
        return SafeString(str(field))
    return mark_safe(str(html))  # noqa: S308 - widget_html escaped every value in it


@register.simple_tag(takes_context=True)
def page_query(context: Any, param: str, number: int) -> str:
    """As `{% querystring page=number %}`, for the list whose page is `?<param>=`: the rest of
    the query string (the filters, another list's page) is kept."""
    params = context.request.GET.copy()
    params[param] = number
    return f"?{params.urlencode()}"


NOT_PROVIDED = "NOTPROVIDED"  # noqa: S105 - what django.template.context_processors.csrf gives
# without a token, not a secret


def _csrf_input(request: Any, token: Any) -> SafeString:
    """The CSRF form field with the page's token: the one the context processor masked for
    the layout's own forms (`{% csrf_token %}`, htmx's header), not a second one: masking
    draws 32 random characters, each a read of the operating system's random source."""
    if token is None or str(token) == NOT_PROVIDED:  # no context processor, or no middleware
        return csrf_input(request)
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


@register.simple_tag(takes_context=True)
def jinja_body(context: Any, name: str) -> SafeString:
    """The Jinja2 template `name` rendered with the page's context (decision 0006): the view's
    values, the context processors', the request, and `csrf_input`, the form field of the CSRF
    token, masked once for the page as Django's `{% csrf_token %}` is (the Jinja2 backend's
    own `csrf_input` is lazy but not kept: it masks the token anew for every form)."""
    # A RequestContext's request; the 503 page, rendered without one (config/unavailable.py),
    # puts the request among its values.
    request = getattr(context, "request", None) or context.get("request")
    values = context.flatten()
    values["request"] = request
    values["csrf_input"] = SimpleLazyObject(lambda: _csrf_input(request, values.get("csrf_token")))
    values[RENDERED_IN] = rendered_in()  # read once for the page's `_`, `url` and `date`
    index = getattr(context, "_processors_index", None)  # RequestContext: their own layer
    if index is not None:  # what the context processors gave the page, for its components
        values[PAGE_VALUES] = context.dicts[index]
    # The Jinja2 template itself, not Django's wrapper (which would set its own csrf_input):
    body = engines["jinja2"].get_template(name).template  # type: ignore[attr-defined]
    return mark_safe(body.render(values))  # noqa: S308 - Jinja2 escaped it
