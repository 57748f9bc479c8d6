"""The catalogue's files: every published entry for download as JSON or CSV (public), and the
import of a file by a directorate editor (all or nothing; every problem with its place).

Routes (under /catalogue/):
  export  GET        export/<kind>.<fmt>   kind: a kind's slug, or "all" (JSON only); fmt: json, csv
  import  GET, POST  editorial/import/
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from samhandling.config import forms as base
from samhandling.config.http import Request

from .. import interchange
from ..kinds import KINDS, PLURAL

FORMATS = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}
MAX_PROBLEMS_SHOWN = 500


@require_safe
def export(request: Request, kind: str, fmt: str) -> HttpResponse:
    """The published entries of one kind (or, as JSON, of all five) as a file to download."""
    if fmt not in FORMATS or (kind not in KINDS and not (kind == "all" and fmt == "json")):
        raise Http404
    if fmt == "csv":
        body = "\ufeff" + interchange.export_csv(kind)  # the mark tells spreadsheets it is UTF-8
    else:
        document = interchange.export_json(None if kind == "all" else [kind])
        body = json.dumps(document, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder) + "\n"
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{interchange.file_name(kind, fmt)}"'
    return response


class ImportForm(base.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    kind = forms.ChoiceField(
        label=_("For a CSV file: what its lines are"),
        required=False,
        help_text=_(
            "A JSON file says this itself, and so does a CSV file named after its kind (for "
            "example practices.csv)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Recognise from the file")), *((s, PLURAL[s]) for s in KINDS)]
        self.fields["file"].help_text = gettext(
            "A JSON file as the catalogue exports it, or a CSV file of one kind of entry. At most "
            "%(size)s, UTF-8."
        ) % {"size": filesizeformat(interchange.MAX_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > interchange.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest file that can be imported is %(most)s."),
                params={
                    "size": filesizeformat(upload.size),
                    "most": filesizeformat(interchange.MAX_BYTES),
                },
                code="too_large",
            )
        return upload


def _refused(request: Request) -> HttpResponse | None:
    """A redirect to sign in for a visitor; PermissionDenied (audited) for a signed-in person
    who is not a directorate editor; None for an editor."""
    if not request.actor.is_authenticated:
        return redirect_to_login(request.get_full_path())
    interchange.require_importer(request.actor)
    return None


def _after_import() -> str:
    try:
        return reverse("catalogue:editorial")
    except NoReverseMatch:
        return reverse("catalogue:import")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def import_file(request: Request) -> HttpResponse:
    """The upload form; a valid file is imported at once, as drafts."""
    refused = _refused(request)
    if refused is not None:
        return refused
    problems: list[interchange.Problem] = []
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"] or interchange.kind_from_name(upload.name or "")
            result = interchange.import_catalogue(upload.read(), kind=kind, by=request.actor)
            if result.ok:
                message = gettext(
                    "The file is imported: %(created)s new, %(updated)s changed and "
                    "%(unchanged)s unchanged entries. New and changed entries are drafts until "
                    "another editor publishes them."
                )
                messages.success(request, message % result.counts)
                return redirect(_after_import())
            problems = result.problems
        status = 400
    else:
        form = ImportForm()
    context = {
        "form": form,
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "hidden_problems": max(len(problems) - MAX_PROBLEMS_SHOWN, 0),
        "kinds": [(slug, PLURAL[slug]) for slug in KINDS],
    }
    return render(request, "catalogue/import.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("export/<str:kind>.<str:fmt>", export, name="export"),
    path("editorial/import/", import_file, name="import"),
]
