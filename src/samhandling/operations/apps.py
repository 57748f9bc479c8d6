from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: backup and restore. No models, so no name shown in the admin."""

    name = "samhandling.operations"
