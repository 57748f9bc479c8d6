"""Thin views: parse, call a selector, render. Searches are POSTed so that names and identity
numbers never appear in URLs or server logs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from samhandling.audit import services as audit
from samhandling.config.http import Request
from samhandling.config.ratelimit import is_post, rate_limited
from samhandling.coordination import selectors as coordination

from . import selectors
from .forms import PersonSearchForm


@never_cache
@login_required
@rate_limited("person_search", per="user", when=is_post)
def search(request: Request) -> HttpResponse:
    form = PersonSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = selectors.search_persons(request.actor, form.cleaned_data["query"])
        # The search's reads are recorded: appended while the rest of the page is made, not
        # from when it starts rendering (audit.send_ahead).
        audit.send_ahead()
    fragment = request.htmx and results is not None
    template = "people/search.html#results" if fragment else "people/search.html"
    status = 400 if form.errors else 200
    refused_in_place = bool(request.htmx and form.errors)
    if refused_in_place:
        # htmx swaps only a 422 (base.html): the page's <main> comes back with the field's
        # message in place of the old one, and the field has the focus (htmx's autofocus).
        form.fields["query"].widget.attrs["autofocus"] = True
        status = 422
    context = {
        "form": form,
        "results": results,
        # The person page opens only for someone the actor works with in a case.
        "with_case": coordination.persons_with_visible_cases(
            request.actor, [p.pk for p in results or []]
        ),
        "may_record_concern": coordination.may_record_concern(request.actor),
        "results_caption": ngettext(
            "%(counter)s person found", "%(counter)s persons found", len(results or [])
        )
        % {"counter": len(results or [])},
    }
    response = render(request, template, context, status=status)
    if refused_in_place:
        response["HX-Retarget"] = response["HX-Reselect"] = "#main"
        response["HX-Reswap"] = "outerHTML"
    return response


@never_cache
@login_required
def detail(request: Request, person_id: int) -> HttpResponse:
    person = selectors.get_person_for(request.actor, person_id, purpose="person page")
    family = selectors.family_of(request.actor, person)
    context = {
        "person": person,
        "family": family,
        "age": person.age_on(timezone.localdate()),
        "cases": coordination.cases_for_person(request.actor, person.pk),
    }
    return render(request, "people/detail.html", context)
