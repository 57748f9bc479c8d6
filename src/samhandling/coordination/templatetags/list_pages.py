"""Page links for a page with more than one paged list, each with its own query parameter."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: Any, param: str, number: int) -> str:
    """As `{% querystring page=number %}`, for the list whose page is `?<param>=`: the rest of
    the query string (the other list's page) is kept."""
    params = context.request.GET.copy()
    params[param] = number
    return f"?{params.urlencode()}"
