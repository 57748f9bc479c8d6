from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: backup and restore, failed background tasks. No models of its
    own, so no name shown in the admin."""

    name = "samhandling.operations"

    def ready(self) -> None:
        # Every process (the task worker too) strips messages from stored tracebacks.
        from . import task_results  # noqa: F401
