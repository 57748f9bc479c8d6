"""The catalogue's editorial pages: the editor's desk, a form for each kind of entry, publishing
and withdrawing, the history of an entry, and a practice from the experience bank turned into a
municipality's draft development measure.

Who may do what is the services' policy (services.may_edit, may_edit_kind, may_publish): a
directorate editor writes the whole catalogue, a municipality's analysts and service leaders
write their own municipality's development measures, and someone other than the last editor
publishes. Every write goes through the services, which record it, and every refusal, in the
audit log; a refusal made here before a service is called is recorded here in the same way. A
visitor is sent to sign in; any other refusal is the 403 page.

Routes (under /catalogue/):
  editorial       GET        editorial/
  create          GET, POST  editorial/<kind>/new/
  edit            GET, POST  editorial/<kind>/<pk>/
  publish         POST       editorial/<kind>/<pk>/publish/
  withdraw        POST       editorial/<kind>/<pk>/withdraw/
  history         GET        editorial/<kind>/<pk>/history/
  adopt_practice  POST       practices/<pk>/adopt/
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from samhandling.access.policy import Decision
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.config.http import Request
from samhandling.organisations.actors import Actor
from samhandling.organisations.models import Region, Role

from .. import changes, services
from ..forms import FORMS, EntryForm, VersionForm, municipality_by_number, own_municipality
from ..kinds import KINDS, SLUG_OF, kind_of
from ..models import Entry, Initiative, Instrument, Network, Practice, Resource, Revision, Status

E = TypeVar("E", bound=Entry)

LIMIT = 100  # entries in one list of the desk
RECENT = 20  # recently published and withdrawn entries on the desk
# The public page of each kind, by its name in the catalogue's URL configuration.
SINGULAR: dict[type[Entry], str] = {
    Instrument: "instrument",
    Initiative: "initiative",
    Network: "network",
    Practice: "practice",
    Resource: "resource",
}
NEW = {
    "instruments": gettext_lazy("New state instrument"),
    "initiatives": gettext_lazy("New development measure"),
    "networks": gettext_lazy("New municipal network"),
    "practices": gettext_lazy("New practice"),
    "resources": gettext_lazy("New learning resource"),
}


def _visitor(request: Request, next_url: str = "") -> HttpResponse | None:
    """A redirect to sign in for a visitor; None for someone signed in."""
    if not request.actor.is_authenticated:
        return redirect_to_login(next_url or request.get_full_path())
    return None


def _require(request: Request, decision: Decision, action: str, subject: Any) -> None:
    """A refusal made by a view is recorded like the services' own, then shown as the 403 page."""
    if not decision:
        audit.record(request.actor, action, subject, decision=decision)
        raise PermissionDenied(decision.reason)


def _kind_subject(model: type[Entry]) -> Subject:
    return Subject(object_type=model._meta.label_lower)


def _entry(model: type[E], pk: int) -> E:
    entry = model._default_manager.select_related("edited_by", "published_by").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def _edit_url(entry: Entry) -> str:
    return reverse("catalogue:edit", kwargs={"kind": SLUG_OF[type(entry)], "pk": entry.pk})


def public_url(entry: Entry) -> str | None:
    """The entry's public page, where the public pages are served."""
    try:
        return reverse(f"catalogue:{SINGULAR[type(entry)]}", args=[entry.pk])
    except NoReverseMatch:
        return None


def _next(request: Request, default: str) -> str:
    """The `next` field of a POST when it is a path on this site, else the default."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _apply_errors(form: EntryForm, error: ValidationError) -> None:
    """A service's ValidationError by the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _who(entry: Entry) -> str:
    user = entry.edited_by
    return user.get_full_name() or user.get_username()


def _when(entry: Entry) -> str:
    return date_format(entry.edited_at, "SHORT_DATETIME_FORMAT")


# --- the desk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One entry in a list on the desk."""

    entry: Entry
    slug: str
    publishable: bool = False

    @property
    def kind(self) -> str:
        return capfirst(str(type(self.entry)._meta.verbose_name))


def _publishable(actor: Actor, entry: Entry) -> bool:
    return entry.status == Status.DRAFT and bool(services.may_publish(actor, entry))


def _editor_desk(actor: Actor) -> dict[str, Any]:
    """Drafts by others (to publish), one's own drafts (waiting for another editor), and the
    entries published or withdrawn most recently, across the five kinds."""
    waiting: list[Row] = []
    mine: list[Row] = []
    recent: list[Row] = []
    for slug, model in KINDS.items():
        drafts = (
            model._default_manager.filter(status=Status.DRAFT)
            .select_related("edited_by")
            .order_by("-edited_at", "-pk")
        )
        waiting += [Row(e, slug, _publishable(actor, e))
                    for e in drafts.exclude(edited_by=actor.user)[: LIMIT + 1]]  # fmt: skip
        mine += [Row(e, slug) for e in drafts.filter(edited_by=actor.user)[: LIMIT + 1]]
        done = (
            model._default_manager.exclude(status=Status.DRAFT)
            .select_related("published_by")
            .order_by(F("published_at").desc(nulls_last=True), "-pk")
        )
        recent += [Row(e, slug) for e in done[:RECENT]]

    def newest(rows: list[Row]) -> list[Row]:
        return sorted(rows, key=lambda row: row.entry.edited_at, reverse=True)

    def published(row: Row) -> Any:
        return (row.entry.published_at is not None, row.entry.published_at or row.entry.edited_at)

    return {
        "waiting": newest(waiting)[:LIMIT],
        "more_waiting": len(waiting) > LIMIT,
        "mine": newest(mine)[:LIMIT],
        "more_mine": len(mine) > LIMIT,
        "recent": sorted(recent, key=published, reverse=True)[:RECENT],
        "new": [(slug, NEW[slug]) for slug in KINDS],
    }


def _author_desk(actor: Actor) -> dict[str, Any]:
    """The development measures of the author's municipality, in every status."""
    initiatives = (
        Initiative.objects.filter(municipality_id=actor.municipality_id)
        .select_related("edited_by", "published_by")
        .order_by("-edited_at", "-pk")
    )
    return {
        "municipality": own_municipality(actor),
        "initiatives": [Row(e, "initiatives", _publishable(actor, e)) for e in initiatives],
        "new": [("initiatives", NEW["initiatives"])],
    }


@never_cache
@require_safe
def editorial(request: Request) -> HttpResponse:
    refused = _visitor(request)
    if refused:
        return refused
    actor = request.actor
    _require(request, services.may_edit(actor), "view", Subject(object_type="catalogue.editorial"))
    is_editor = actor.role == Role.DIRECTORATE_EDITOR
    context = _editor_desk(actor) if is_editor else _author_desk(actor)
    context["is_editor"] = is_editor
    return render(request, "catalogue/editorial/desk.html", context)


# --- the form of an entry ------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Someone saved first: who, when, and what they changed since the version one saw."""

    current: Entry
    expected: int
    changes: list[changes.Told] | None  # None: the version one saw is not known


def _conflict(model: type[Entry], error: services.ConflictError) -> Conflict:
    snapshots = dict(
        Revision.objects.filter(
            entry_type=model._meta.model_name,
            entry_id=error.current.pk,
            version__in=[error.expected, error.actual],
        ).values_list("version", "snapshot")
    )
    told = None
    if error.expected in snapshots and error.actual in snapshots:
        diff = changes.changed(snapshots[error.expected], snapshots[error.actual])
        told = changes.told(model, [diff])[0]
    return Conflict(current=error.current, expected=error.expected, changes=told)


def _render_form(
    request: Request,
    form: EntryForm,
    *,
    slug: str,
    entry: Entry | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HttpResponse:
    model = KINDS[slug]
    user = request.actor.user
    if entry is None:
        heading = str(NEW[slug])
        action = reverse("catalogue:create", kwargs={"kind": slug})
    else:
        heading = str(entry)
        action = _edit_url(entry)
    context = {
        "form": form,
        "slug": slug,
        "kind_name": model._meta.verbose_name,
        "heading": heading,
        "action": action,
        "entry": entry,
        "conflict": conflict,
        "may_publish": entry is not None and _publishable(request.actor, entry),
        "last_editor": entry is not None and entry.edited_by_id == getattr(user, "pk", None),
        "public_url": public_url(entry) if entry is not None and entry.is_published else None,
    }
    return render(request, "catalogue/editorial/form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: Request, kind: str) -> HttpResponse:
    refused = _visitor(request)
    if refused:
        return refused
    model = kind_of(kind)
    actor = request.actor
    _require(request, services.may_edit_kind(actor, model), "create", _kind_subject(model))
    form_class = FORMS[model]
    if request.method != "POST":
        return _render_form(request, form_class(actor=actor), slug=kind)
    form = form_class(request.POST, actor=actor)
    if form.is_valid():
        try:
            entry = services.create_draft(model, by=actor, fields=form.changes())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The draft is saved. Another editor publishes it."))
            return redirect(_edit_url(entry))
    return _render_form(request, form, slug=kind, status=400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: Request, kind: str, pk: int) -> HttpResponse:
    refused = _visitor(request)
    if refused:
        return refused
    model = kind_of(kind)
    actor = request.actor
    action = "update" if request.method == "POST" else "view"
    _require(request, services.may_edit_kind(actor, model), action, _kind_subject(model))
    entry = _entry(model, pk)
    _require(request, services.may_edit(actor, entry), action, entry)
    form_class = FORMS[model]
    if request.method != "POST":
        form = form_class(instance=copy.copy(entry), actor=actor)
        return _render_form(request, form, slug=kind, entry=entry)
    form = form_class(request.POST, instance=copy.copy(entry), actor=actor)
    if form.is_valid():
        try:
            version = form.cleaned_data["version"]
            saved = services.update_draft(
                entry, by=actor, fields=form.changes(), expected_version=version
            )
        except services.ConflictError as error:
            current = _entry(model, pk)
            again = _at_version(form_class, request, current, actor)
            return _render_form(request, again, slug=kind, entry=current,
                                conflict=_conflict(model, error), status=409)  # fmt: skip
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved as version %(version)s, a draft until another editor publishes it.")
                % {"version": saved.version},
            )
            return redirect(_edit_url(saved))
    elif "version" in form.errors:
        # No version to compare with: keep what was typed, at the version there is now.
        form = _at_version(form_class, request, entry, actor)
        form.is_valid()
        unknown = _(
            "The form did not say which version of the entry you worked from. Check the "
            "entry's history before you save again."
        )
        form.add_error(None, unknown)
    return _render_form(request, form, slug=kind, entry=entry, status=400)


def _at_version(
    form_class: type[EntryForm], request: Request, entry: Entry, actor: Actor
) -> EntryForm:
    """What the editor typed, to be saved over the entry's version as it is now."""
    data = request.POST.copy()
    data["version"] = str(entry.version)
    return form_class(data, instance=copy.copy(entry), actor=actor)


# --- publishing and withdrawing ------------------------------------------------------------


def _changed_meanwhile(request: Request, error: services.ConflictError) -> None:
    current = error.current
    message = _(
        "The entry changed meanwhile: %(who)s saved version %(version)s at %(when)s. Check it "
        "and try again."
    ) % {"who": _who(current), "version": error.actual, "when": _when(current)}
    messages.error(request, message)


def _workflow_step(request: Request, kind: str, pk: int, *, step: str) -> HttpResponse:
    """Publish or withdraw an entry, at the version the editor saw."""
    model = kind_of(kind)
    actor = request.actor
    entry = _entry(model, pk)
    may = (
        services.may_publish(actor, entry) if step == "publish" else services.may_edit(actor, entry)
    )
    _require(request, may, "update", entry)
    back = _next(request, _edit_url(entry))
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date. Check the entry and try again."))
        return redirect(_edit_url(entry))
    version = form.cleaned_data["version"]
    try:
        if step == "publish":
            entry = services.publish(entry, by=actor, expected_version=version)
        else:
            entry = services.withdraw(entry, by=actor, expected_version=version)
    except services.ConflictError as error:
        _changed_meanwhile(request, error)
        return redirect(_edit_url(entry))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_edit_url(entry))
    if step == "publish":
        messages.success(request, _("«%(title)s» is published.") % {"title": entry})
    else:
        messages.success(request, _("«%(title)s» is withdrawn from the public pages.")
                         % {"title": entry})  # fmt: skip
    return redirect(back)


@never_cache
@require_POST
def publish(request: Request, kind: str, pk: int) -> HttpResponse:
    return _visitor(request, reverse("catalogue:editorial")) or _workflow_step(
        request, kind, pk, step="publish"
    )


@never_cache
@require_POST
def withdraw(request: Request, kind: str, pk: int) -> HttpResponse:
    return _visitor(request, reverse("catalogue:editorial")) or _workflow_step(
        request, kind, pk, step="withdraw"
    )


# --- history -------------------------------------------------------------------------------


@never_cache
@require_safe
def history(request: Request, kind: str, pk: int) -> HttpResponse:
    refused = _visitor(request)
    if refused:
        return refused
    model = kind_of(kind)
    actor = request.actor
    _require(request, services.may_edit_kind(actor, model), "view", _kind_subject(model))
    entry = _entry(model, pk)
    _require(request, services.may_edit(actor, entry), "view", entry)
    revisions = list(
        Revision.objects.filter(entry_type=model._meta.model_name, entry_id=entry.pk)
        .select_related("by")
        .order_by("version")
    )
    earlier = [None, *(revision.snapshot for revision in revisions[:-1])]
    diffs = [
        changes.changed(before, r.snapshot) for before, r in zip(earlier, revisions, strict=True)
    ]
    rows = list(zip(revisions, changes.told(model, diffs), strict=True))
    context = {"entry": entry, "rows": rows[::-1], "edit_url": _edit_url(entry)}
    return render(request, "catalogue/editorial/history.html", context)


# --- a practice becomes a draft development measure ----------------------------------------


def adopted(practice: Practice, municipality: Region) -> dict[str, Any]:
    """The fields of a municipality's draft development measure made from a practice: the
    practice's problem is the challenge (said to come from the experience bank, in bokmål like
    the field), what was done is the goals, and the sectors are the same."""
    with translation.override("nb"):
        source = _("Based on the practice «%(title)s» in the Nordic experience bank.") % {
            "title": practice.title
        }
    return {
        "title_nb": practice.title,
        "municipality": municipality,
        "challenge_nb": "\n\n".join(text for text in (source, practice.problem) if text),
        "goals_nb": practice.what_was_done,
        "sectors": list(practice.sectors),
    }


@never_cache
@require_POST
def adopt_practice(request: Request, pk: int) -> HttpResponse:
    practice = Practice.objects.filter(pk=pk, status=Status.PUBLISHED).first()
    back = (public_url(practice) if practice else None) or reverse("catalogue:editorial")
    refused = _visitor(request, back)
    if refused:
        return refused
    if practice is None:
        raise Http404
    actor = request.actor
    municipality: Region | None
    if actor.role == Role.DIRECTORATE_EDITOR:
        municipality = municipality_by_number(request.POST.get("municipality", "")[:10])
        if municipality is None:
            messages.error(request, _("Give the municipality's number, e.g. 4003 for Skien."))
            return redirect(back)
    else:
        municipality = own_municipality(actor)
    decision = services.may_edit(actor, municipality_id=municipality.pk if municipality else None)
    _require(request, decision, "create", _kind_subject(Initiative))
    assert municipality is not None  # only an editor or an author of a municipality gets here
    try:
        initiative = services.create_draft(Initiative, by=actor,
                                           fields=adopted(practice, municipality))  # fmt: skip
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _(
        "A draft development measure for %(municipality)s is made from the practice. Make it "
        "your own before it is published."
    ) % {"municipality": municipality.display_name})  # fmt: skip
    return redirect(_edit_url(initiative))


urlpatterns: list[URLPattern] = [
    path("editorial/", editorial, name="editorial"),
    path("editorial/<str:kind>/new/", create, name="create"),
    path("editorial/<str:kind>/<int:pk>/", edit, name="edit"),
    path("editorial/<str:kind>/<int:pk>/publish/", publish, name="publish"),
    path("editorial/<str:kind>/<int:pk>/withdraw/", withdraw, name="withdraw"),
    path("editorial/<str:kind>/<int:pk>/history/", history, name="history"),
    path("practices/<int:pk>/adopt/", adopt_practice, name="adopt_practice"),
]
