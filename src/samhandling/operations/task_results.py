"""What is kept of a background task's run, and running a task again.

django-tasks' database backend stores a failed task's traceback, message included. A message
can quote what the task was working on (a name, an identity number, a line of a file), so it is
cut before the row is saved: the stored error keeps the exception's type and where it
happened (the frames and their source lines), as the logs do (audit.logging).

A task whose worker stopped (killed, out of memory, the host restarted) stays "running" for
ever: nothing in the backend notices. `run_again` marks such a run, or a failed one, as failed
and queues the same task with the same arguments; every task of ours is safe to run twice.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from samhandling.access.policy import grant
from samhandling.audit import services as audit
from samhandling.audit.services import Subject
from samhandling.organisations.actors import Actor

RERUNNABLE = (TaskResultStatus.FAILED, TaskResultStatus.RUNNING)

_HEADER = "Traceback (most recent call last):"
_CHAIN = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)
_FRAME = re.compile(r'^  File "[^"\n]*", line \d+, in \S+$')
_EXCEPTION_TYPE = re.compile(r"^[A-Za-z_][\w.]*(?=:|$)")


class WorkerStopped(Exception):  # noqa: N818 - the name is what the administrator reads
    """The worker running the task stopped before the task finished."""


def without_messages(text: str) -> str:
    """A formatted traceback with the frames and each exception's type, without any message.
    Anything that is not a frame, a source line or an exception's type is left out."""
    kept: list[str] = []
    in_frames = False
    expect_exception = True
    for line in text.splitlines():
        if line == _HEADER:
            kept.append(line)
            in_frames, expect_exception = True, True
        elif line in _CHAIN:
            kept += ["", line, ""]
            in_frames, expect_exception = False, True
        elif in_frames and (_FRAME.match(line) or line.startswith("    ")):
            kept.append(line)  # a frame, its source line, or the markers under it
        elif expect_exception and line.strip():
            name = _EXCEPTION_TYPE.match(line)
            kept.append(name.group(0) if name else "(exception)")
            in_frames, expect_exception = False, False
    return "\n".join(kept) + "\n" if kept else ""


def _store_without_messages(sender: Any, instance: DBTaskResult, **kwargs: Any) -> None:
    if instance.status == TaskResultStatus.FAILED and instance.traceback:
        instance.traceback = without_messages(instance.traceback)


pre_save.connect(
    _store_without_messages, sender=DBTaskResult, dispatch_uid="samhandling.task_error_redaction"
)


def run_again(results: QuerySet[DBTaskResult], *, by: Actor) -> list[str]:
    """Queues each failed or abandoned ("running" with its worker gone) task again with the same
    arguments; an abandoned run is first marked as failed. Other results are left as they are.
    Returns the ids of the new runs."""
    queued: list[str] = []
    for pk in results.filter(status__in=RERUNNABLE).values_list("pk", flat=True):
        with transaction.atomic():
            old = DBTaskResult.objects.select_for_update().filter(pk=pk).first()
            if old is None or old.status not in RERUNNABLE:
                continue
            try:
                task = old.task
            except (ImportError, SuspiciousOperation):  # the task is no longer in the code
                continue
            if old.status == TaskResultStatus.RUNNING:
                old.set_failed(WorkerStopped("The worker stopped before the task finished."))
            arguments = old.args_kwargs
            new = str(task.enqueue(*arguments["args"], **arguments["kwargs"]).id)
            audit.record(by, "create", Subject("django_tasks_database.dbtaskresult", new),
                         decision=grant("a system administrator runs a task again"),
                         purpose=f"run again {old.pk}")  # fmt: skip
            queued.append(new)
    return queued
