"""Jinja2 for the body of the busiest pages (decision 0006).

A page stays a Django template that extends `base.html`; its content block may be written in
Jinja2 instead and included with `{% jinja_body "app/name.html" %}` (template library `pages`).
Jinja2 compiles a template to Python and renders the long lists of such a page several times
faster than Django's engine does (bench/README.md).

The environment gives Jinja2 templates what our Django templates use:
- `_("text")`: gettext, with the Django catalogue, the text not escaped (it is ours, as
  a literal is in `{% translate "…" %}`). Write every text as `_("…")` with a
  literal, first in its `{{ … }}` (`{{ _("Next") }}`, `{{ _("Page %(n)s")|fill(n=n) }}`) or
  anywhere in a `{% set … %}`: there `make translations` (Django's makemessages) finds it;
  `tests/config/test_translations.py` fails for one it would not find. Plurals are chosen
  in Python (`ngettext`), where makemessages finds them too.
- `url(name, *args)`, `static(path)`, `querystring(request, name=value)` (as Django's tag),
  `form_fields(form)` (the coordination forms' fields, as the `form_fields` tag),
  `django_include(name, request, **values)` (a Django component, such as
  components/pagination.html, shared with the pages written in Django) and `plurals`
  (coordination/plurals.py);
- the filters of our Django template libraries (`casework`, `catalogue_public`) under the
  same names, and the `pages` library's `widget` (a form field's widget, as
  components/field.html writes it); Django's `date` (in the current time zone first, as
  Django's templates do), `linebreaksbr` and `json_script`; `localize`, which prints a date,
  a time or a number as `{{ value }}` in a Django template does (Jinja2 would print
  `2026-11-27`);
  and `fill`, which puts escaped values into a translated text:
  `_("Page %(number)s")|fill(number=n)`, as `{% blocktranslate %}` does.

Autoescaping is always on, as in Django templates.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote_plus

from django.http import HttpRequest
from django.template import Context, defaultfilters, engines
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from jinja2 import Environment, pass_context
from jinja2.runtime import Context as JinjaContext
from markupsafe import Markup, escape

F = TypeVar("F", bound=Callable[..., Any])


def fill(text: Any, **values: Any) -> Markup:
    """`text` with `%(name)s` filled in, as `{% blocktranslate %}` does: the values are
    escaped, the translated text is not (it is ours, not the user's). `text` may be a plural
    (`ngettext_lazy` with a named number, as in coordination/plurals.py): a number is passed
    on as it is, so that it can choose the form."""
    escaped = {
        name: value if isinstance(value, int) else escape(value) for name, value in values.items()
    }
    if isinstance(text, str):  # str's own %, not Markup's, which would wrap each value again
        return Markup(str.__mod__(text, escaped))  # noqa: S704 - our own text; values escaped
    return Markup(text % escaped)  # noqa: S704 - our own text; the values are escaped


# Where `{% jinja_body %}` (config/pages.py) leaves what the page's context processors gave
# (the request, the CSRF token, the actor, the navigation, ...).
PAGE_VALUES = "django_page_values"


class _PageContext(Context):
    """A Django context of the page's context processors' values and a component's own, with
    the request as RequestContext has it (`{% querystring %}` and `{% page_query %}` read
    `context.request`), without running the context processors again: they ran once, for the
    page."""

    def __init__(self, request: HttpRequest, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.request = request


@pass_context
def django_include(context: JinjaContext, name: str, request: HttpRequest,
                   **values: Any) -> SafeString:  # fmt: skip
    """The Django template `name` (a component shared with the pages written in Django, such
    as components/pagination.html), rendered with `values` and what the context processors
    gave, as `render_to_string(name, values, request)` would. Within a page's body those are
    the page's: running all eight again for each component cost the experience bank's page six
    runs. A Jinja2 template rendered on its own (an htmx section) has no page around it: the
    component then runs them itself."""
    template = engines["django"].get_template(name)
    processed = context.get(PAGE_VALUES)
    if processed is None:
        return SafeString(template.render(values, request))
    return template.template.render(_PageContext(request, {**processed, **values}))  # type: ignore[attr-defined]


def translated(message: str) -> Markup:
    """gettext, its text safe as Django's `{% translate "…" %}` holds it: our own literal,
    translated by our own catalogue, is written as it is (an apostrophe stays one).
    Remembered per language: the case page translates some 290 texts."""
    if type(message) is str:  # a literal (not a lazy text, whose value changes with language)
        return _translated(message, translation.get_language())
    return Markup(translation.gettext(message))  # noqa: S704 - our catalogue's text


@functools.lru_cache(maxsize=4096)
def _translated(message: str, language: str | None) -> Markup:
    # The key is the template's literal and the language; translated in that language, which
    # is the active one whenever it comes from the request (RENDERED_IN or get_language()).
    with translation.override(language):
        return Markup(translation.gettext(message))  # noqa: S704 - our catalogue's text


# Where `{% jinja_body %}` (config/pages.py) puts the language, the script prefix, the URL
# configuration and the time zone the page is rendered in, read once: `_`, `url`, `date`,
# `localize` and the filters that take the page's language (`takes_page_language`) take them
# from the render's context instead of asking Django's thread-locals for them at every call
# (2–4 µs each: a page calls them a hundred times). A template rendered on its own asks Django.
RENDERED_IN = "rendered_in"


def rendered_in() -> tuple[str | None, str, Any, Any]:
    """The language, the script prefix, the URL configuration and the time zone of the
    request."""
    return (translation.get_language(), get_script_prefix(), get_urlconf(),
            timezone.get_current_timezone())  # fmt: skip


def takes_page_language(function: F) -> F:
    """Marks a filter of our Django template libraries whose second, optional argument is the
    language to write in (the active one when not given). In a Jinja2 page body it is given
    the language the page is rendered in (RENDERED_IN) instead of each item asking Django's
    thread-locals for it: the experience bank's list asked 75 times."""
    function.takes_page_language = True  # type: ignore[attr-defined]
    return function


def _in_page_language(function: Callable[..., Any]) -> Callable[..., Any]:
    @pass_context
    def in_page_language(context: JinjaContext, value: Any) -> Any:
        where = context.get(RENDERED_IN)
        return function(value, where[0] if where is not None else None)

    return in_page_language


@pass_context
def page_translated(context: JinjaContext, message: str) -> Markup:
    """`_("text")`: `translated`, in the language the page is rendered in."""
    where = context.get(RENDERED_IN)
    if where is None or type(message) is not str:
        return translated(message)
    return _translated(message, where[0])


@pass_context
def page_url(context: JinjaContext, name: str, *args: Any) -> str:
    """`url(name, *args)`: `url`, with the page's language, prefix and URL configuration."""
    return url_in(context.get(RENDERED_IN) or rendered_in(), name, args)


def url(name: str, *args: Any) -> str:
    """Django's `reverse`, remembered: a page links to the same few views many times (My work
    has some 45 links), and reversing costs 20–30 µs each."""
    return url_in(rendered_in(), name, args)


def url_in(where: tuple[Any, ...], name: str, args: tuple[Any, ...]) -> str:
    """`url`, in the language, script prefix and URL configuration `where` begins with (the
    render's RENDERED_IN, or its first three)."""
    language, prefix, urlconf = where[:3]
    try:
        return _reversed(name, args, prefix, urlconf, language)
    except TypeError:  # an argument that cannot be a key
        return reverse(name, args=args or None)


@functools.lru_cache(maxsize=8192)
def _reversed(name: str, args: tuple[Any, ...], prefix: str, urlconf: Any, language: Any) -> str:
    # Everything reverse() depends on is in the key: the URL configuration and its prefix, and
    # the language (should a language prefix ever come in), and it is reversed with them. The
    # values are ids and codes, no personal data, and the same for every user.
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            return reverse(name, args=args or None, urlconf=urlconf)
    finally:
        set_script_prefix(before)


def querystring(request: Any, **changes: Any) -> str:
    """The current query string with `changes`, as Django's `{% querystring %}` writes it (the
    same parameters in the same order, encoded the same way; None removes one). The request's
    own parameters are encoded once per request: a list's page links ask for five or more
    query strings that differ in the page only, and the tag copies and encodes all of them
    each time (0.1 ms a page)."""
    query = request.GET
    kept = getattr(request, "_encoded_query", None)
    if kept is None or kept[0] is not query:
        kept = (
            query,
            {key: _encoded(key, values, query.encoding) for key, values in query.lists()},
        )
        request._encoded_query = kept
    encoded = kept[1]
    parts: list[str] = []
    for key, pieces in encoded.items():
        parts.extend(
            _encoded_change(key, changes[key], query.encoding) if key in changes else pieces
        )
    for key, value in changes.items():
        if key not in encoded:
            parts.extend(_encoded_change(key, value, query.encoding))
    if not parts and not query:
        return ""
    return f"?{'&'.join(parts)}"


def _encoded_change(key: str, value: Any, encoding: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, Iterable) and not isinstance(value, str):
        return _encoded(key, value, encoding)
    return _encoded(key, [value], encoding)


def _encoded(key: str, values: Iterable[Any], encoding: str) -> list[str]:
    """`key=value` for each value, as QueryDict.urlencode() writes them."""
    name = quote_plus(key.encode(encoding))
    return [f"{name}={quote_plus(str(value).encode(encoding))}" for value in values]


def date(value: Any, arg: str | None = None) -> str:
    """Django's `date` filter, on the value in the current time zone first, as Django's
    templates do (the filter `expects_localtime`); remembered, as `url` is: My work formats
    some 40 dates, at 25–30 µs each."""
    return _date_in(translation.get_language(), timezone.get_current_timezone(), value, arg)


@pass_context
def page_date(context: JinjaContext, value: Any, arg: str | None = None) -> str:
    """`|date(format)`: `date`, in the language and time zone the page is rendered in."""
    where = context.get(RENDERED_IN)
    if where is None:
        return date(value, arg)
    return _date_in(where[0], where[3], value, arg)


def _date_in(language: str | None, zone: Any, value: Any, arg: str | None) -> str:
    try:
        # A date is the same day in every time zone: one key for all of them.
        return _formatted(value, arg, language, zone if isinstance(value, datetime) else None)
    except TypeError:  # a value that cannot be a key
        return str(defaultfilters.date(template_localtime(value), arg))


@functools.lru_cache(maxsize=8192)
def _formatted(value: Any, arg: str | None, language: Any, zone: Any) -> str:
    # What the formatting depends on is in the key: the value, the format, the language (its
    # month names and formats) and the time zone a datetime is shown in (None for a date,
    # which is not moved). A key holds a date or a moment only, never whose it is.
    moved = timezone.override(zone) if zone is not None else contextlib.nullcontext()
    with translation.override(language), moved:
        return str(defaultfilters.date(template_localtime(value), arg))


def localized(value: Any, language: str | None = None) -> Any:
    """A value as a Django template prints it: a datetime in the current time zone, dates and
    numbers in the language's format (`{{ value }}` in a Django template). A whole number is
    remembered per language: a list's counts and page links print a dozen. In a page body the
    number is written in the page's language (RENDERED_IN, given as `language`)."""
    if type(value) is int:
        return _localized_number(value, language or translation.get_language())
    return localize(template_localtime(value))


@functools.lru_cache(maxsize=4096)
def _localized_number(value: int, language: str | None) -> str:
    # The key is the number and the language whose format it is printed in.
    with translation.override(language):
        return localize(value)


def environment(**options: Any) -> Environment:
    from samhandling.catalogue.templatetags import catalogue_public
    from samhandling.coordination import plurals
    from samhandling.coordination.templatetags import casework

    from . import pages

    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(autoescape=True, **options)
    # Added to the environment by the i18n extension:
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translated, translation.ngettext, newstyle=False
    )
    env.globals.update({
        "_": page_translated,  # not the extension's alias, which looks up `gettext` each call
        "url": page_url,
        "static": static,
        "querystring": querystring,
        "form_fields": casework.form_fields,
        "django_include": django_include,
        "plurals": plurals,
    })  # fmt: skip
    # The filters of our Django template libraries, under the same names.
    for library in (catalogue_public.register, casework.register):
        env.filters.update({
            name: _in_page_language(function) if getattr(function, "takes_page_language", False)
            else function
            for name, function in library.filters.items()
        })  # fmt: skip
    env.filters.update({
        "date": page_date,
        "localize": _in_page_language(localized),
        "linebreaksbr": defaultfilters.linebreaksbr,
        "json_script": defaultfilters.json_script,
        "fill": fill,
        "widget": pages.widget,
    })  # fmt: skip
    return env
