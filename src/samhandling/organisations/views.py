from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def regions(request: HttpRequest) -> HttpResponse:
    """The region registry: counties and municipalities (2024) and the Nordic countries."""
    return render(
        request,
        "organisations/regions.html",
        {
            "counties": selectors.counties_with_municipalities(),
            "countries": selectors.nordic_countries(),
        },
    )
