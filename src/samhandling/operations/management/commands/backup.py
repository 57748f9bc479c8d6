from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.operations import backup as operations


class Command(BaseCommand):
    help = (
        "Backs up the whole database to one file with a manifest beside it (PostgreSQL: "
        "pg_dump's custom format; SQLite: its online backup API). Consistent while the "
        "application runs. By default the file goes to var/backups/, named with the UTC time."
    )
    # A backup or a restore must not depend on the rest of the application being in order.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="the backup file to write (it must not exist); the manifest goes beside it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = operations.back_up(output=options["output"])
        except operations.BackupError as exc:
            raise CommandError(f"Backup failed, and no backup file was left: {exc}") from exc
        manifest = result.manifest
        counts = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in manifest["counts"].items()
        )
        self.stdout.write(f"Backup: {result.path} ({manifest['size']} bytes)")
        self.stdout.write(f"Manifest: {result.manifest_path}")
        self.stdout.write(
            f"Holds: {counts}; audit chain to event {manifest['audit_chain']['sequence']}."
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written to {result.path}"))
