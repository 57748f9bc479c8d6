"""Background work of the audit log (run by the django-tasks worker)."""

from typing import Any

from django_tasks import task

from . import context, services


@task()
def write_audit_checkpoint() -> dict[str, Any]:
    """Writes the chain's head outside the database, so that losing its newest events shows."""
    with context.bound(channel="task"):
        return services.write_checkpoint()
