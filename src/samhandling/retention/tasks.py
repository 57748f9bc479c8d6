"""Background work of retention (run by the django-tasks worker)."""

from django.conf import settings
from django_tasks import task

from samhandling.audit import context

from . import services


@task()
def apply_retention() -> dict[str, int]:
    """Run daily by the scheduler when RETENTION_ENABLED is true: deletes what is past its
    period. Returns the counts only (task results are kept; the ids are in the audit log)."""
    with context.bound(channel="task"):
        if not settings.RETENTION_ENABLED:
            return {}
        return services.apply(dry_run=False).counts()
