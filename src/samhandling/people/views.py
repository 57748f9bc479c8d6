"""Thin views: parse, call a selector, render. Searches are POSTed so that names and identity
numbers never appear in URLs or server logs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import selectors
from .forms import PersonSearchForm


@never_cache
@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = selectors.search_persons(request.actor, form.cleaned_data["query"])  # type: ignore[attr-defined]
    template = "people/search.html#results" if request.htmx and results is not None else "people/search.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "results": results},
                  status=400 if form.errors else 200)


@never_cache
@login_required
def detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.get_person_for(request.actor, person_id, purpose="person page")  # type: ignore[attr-defined]
    family = selectors.family_of(request.actor, person)  # type: ignore[attr-defined]
    return render(request, "people/detail.html", {
        "person": person, "family": family, "age": person.age_on(timezone.localdate()),
    })
