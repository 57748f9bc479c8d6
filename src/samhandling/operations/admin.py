"""Background tasks in the admin (system administrators only, config/urls.py): every run with
its status, a failed run's error (its type and where it happened, never its message: see
task_results) and "Run again" for failed runs and runs whose worker stopped.

django-tasks' database backend registers its own read-only admin; this one extends it. Its
module is imported here first, so that the registration to replace exists whichever app's admin
Django loads first.
"""

from __future__ import annotations

from typing import cast

import django_tasks_db.admin
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from samhandling.config.http import Request

from . import task_results

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(django_tasks_db.admin.DBTaskResultAdmin):
    list_display = (
        "id",
        "task_name",
        "status",
        "error",
        "enqueued_at",
        "started_at",
        "finished_at",
        "queue_name",
    )
    actions = ["run_again"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        """System administrators, not only superusers: the list holds ids, never personal data,
        and running a task again is safe (task_results)."""
        return bool(request.user.is_superuser or cast(Request, request).actor.is_system_admin)

    def has_view_permission(self, request: HttpRequest, obj: DBTaskResult | None = None) -> bool:
        return self.has_module_permission(request)

    @admin.display(description=_("error"))
    def error(self, obj: DBTaskResult) -> str:
        return obj.exception_class_path.rsplit(".", 1)[-1]

    @admin.action(description=_("Run again (failed, or stopped with its worker)"))
    def run_again(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        queued = task_results.run_again(queryset, by=cast(Request, request).actor)
        if not queued:
            self.message_user(request, _("Nothing was queued: only failed tasks and running "
                                         "ones whose worker stopped are run again."),
                              messages.WARNING)  # fmt: skip
            return
        count = len(queued)
        text = ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)
