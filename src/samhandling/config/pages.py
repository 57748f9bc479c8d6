"""Page links of a paged list (components/pagination.html), registered as the template library
`pages` (settings.TEMPLATES): each list may have its own query parameter, so that a page can
hold two paged lists."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: Any, param: str, number: int) -> str:
    """As `{% querystring page=number %}`, for the list whose page is `?<param>=`: the rest of
    the query string (the filters, another list's page) is kept."""
    params = context.request.GET.copy()
    params[param] = number
    return f"?{params.urlencode()}"
