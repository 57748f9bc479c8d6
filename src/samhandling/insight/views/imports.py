"""Views of the knowledge base: uploading official statistics (analysts and directorate
editors). The file is validated while the analyst waits; a valid file is imported by a
background task, and its page shows the progress until the counts and messages are in.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from samhandling.config import forms as base
from samhandling.config.http import Request

from .. import import_tasks, importers
from ..models import ImportBatch, Indicator

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ERRORS_SHOWN = import_tasks.MAX_ERRORS_KEPT
RECENT_BATCHES = 20
ACTIVE = (ImportBatch.State.QUEUED, ImportBatch.State.RUNNING)


class ImportForm(base.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("auto", _("Recognise from the file")),
            ("csv", _("CSV")),
            ("jsonstat", _("JSON-stat 2.0")),
        ],  # fmt: skip
        initial="auto",
    )
    region_dimension = forms.CharField(
        label=_("Region dimension"), max_length=100, required=False,
        help_text=_("Leave empty to use the dataset's geo role, or Region as in SSB's tables."),
    )  # fmt: skip
    period_dimension = forms.CharField(
        label=_("Period dimension"), max_length=100, required=False,
        help_text=_("Leave empty to use the dataset's time role, or Tid."),
    )  # fmt: skip
    indicator_dimension = forms.CharField(
        label=_("Indicator dimension"), max_length=100, required=False,
        help_text=_("Leave empty to use the dataset's metric role, or ContentsCode. Its "
                    "categories must be indicator codes or an indicator's codes in the source."),
    )  # fmt: skip
    fixed_indicator = forms.ModelChoiceField(
        Indicator.objects.all(),
        to_field_name="code",
        required=False,
        label=_("Or one indicator for the whole file"),
        empty_label=_("None: the file says which indicator"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "CSV with the header region,period,indicator,value,status (and optionally "
            "breakdown and note), or JSON-stat 2.0 as Statistics Norway's API gives it. At most "
            "%(size)s."
        ) % {"size": filesizeformat(MAX_UPLOAD_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest file that can be imported is %(most)s."),
                params={
                    "size": filesizeformat(upload.size),
                    "most": filesizeformat(MAX_UPLOAD_BYTES),
                },  # fmt: skip
                code="too_large",
            )
        return upload

    @property
    def mapping(self) -> importers.Mapping | None:
        data = self.cleaned_data
        chosen = data.get("fixed_indicator")
        mapping = importers.Mapping(
            region=data.get("region_dimension", "").strip(),
            period=data.get("period_dimension", "").strip(),
            indicator=data.get("indicator_dimension", "").strip(),
            fixed_indicator=chosen.code if chosen else "",
        )
        return mapping if any(vars(mapping).values()) else None


def _signed_in_importer(request: Request) -> HttpResponse | None:
    """A redirect to sign in for a visitor; PermissionDenied (audited) for a signed-in person
    who is neither an analyst nor a directorate editor; None for an importer."""
    if not request.actor.is_authenticated:
        return redirect_to_login(request.get_full_path())
    import_tasks.require_importer(request.actor)
    return None


def _batches() -> Any:
    return ImportBatch.objects.defer("upload").select_related("imported_by")


def _batch(batch_id: int) -> ImportBatch:
    batch = _batches().filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def imports(request: Request) -> HttpResponse:
    """The upload form and the recent imports."""
    refused = _signed_in_importer(request)
    if refused is not None:
        return refused
    status = 200
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            fmt = form.cleaned_data["format"]
            mapping = form.mapping
            result, _rows = importers.validate(content, upload.name, fmt=fmt, mapping=mapping)
            if result.ok:
                batch = import_tasks.queue_import(
                    content, upload.name, by=request.actor, result=result, fmt=fmt,
                    mapping=mapping, language=request.LANGUAGE_CODE,
                )  # fmt: skip
                return redirect("insight:import_detail", batch_id=batch.pk)
            import_tasks.record_refused_file(content, upload.name, by=request.actor,
                                             result=result)  # fmt: skip
        status = 400
    else:
        form = ImportForm()
    context = {
        "form": form,
        "result": result,
        "errors": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "hidden_errors": max(len(result.errors) - MAX_ERRORS_SHOWN, 0) if result else 0,
        "warnings": result.warnings[:MAX_ERRORS_SHOWN] if result else [],
        "batches": _batches()[:RECENT_BATCHES],
        "max_size": MAX_UPLOAD_BYTES,
    }
    return render(request, "insight/import_list.html", context, status=status)


def _detail_context(batch: ImportBatch) -> dict[str, Any]:
    problems = batch.errors or []
    return {
        "batch": batch,
        "active": batch.state in ACTIVE,
        "seen": f"{batch.state}-{batch.progress}",
        "errors": [p for p in problems if not p.get("warning")],
        "warnings": [p for p in problems if p.get("warning")],
    }


@never_cache
@require_safe
def import_detail(request: Request, batch_id: int) -> HttpResponse:
    """One import: its progress while it runs, then what it created, updated and left."""
    refused = _signed_in_importer(request)
    if refused is not None:
        return refused
    batch = _batch(batch_id)
    return render(request, "insight/import_detail.html", _detail_context(batch))


@never_cache
@require_safe
def import_progress(request: Request, batch_id: int) -> HttpResponse:
    """The fragment that the import's page polls (htmx) every second while it is queued or
    running; 204 (nothing to swap) while nothing has changed since `seen`."""
    refused = _signed_in_importer(request)
    if refused is not None:
        return refused
    batch = _batch(batch_id)
    context = _detail_context(batch)
    if request.GET.get("seen") == context["seen"]:
        return HttpResponse(status=204)
    return render(request, "insight/import_detail.html#progress_response", context)


urlpatterns: list[URLPattern] = [
    path("imports/", imports, name="imports"),
    path("imports/<int:batch_id>/", import_detail, name="import_detail"),
    path("imports/<int:batch_id>/progress/", import_progress, name="import_progress"),
]
