from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.operations import restore as restoring
from samhandling.operations.backup import BackupError, describe_target


class Command(BaseCommand):
    help = (
        "Restores a backup (made with `manage.py backup`) into the database DATABASE_URL names, "
        "which must be empty, then checks it against the backup's manifest: the row counts, "
        "the migrations and the audit chain. Exits with 1 if anything differs."
    )
    # A backup or a restore must not depend on the rest of the application being in order.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file (its manifest beside it)")
        parser.add_argument("--yes", action="store_true", help="restore without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"].expanduser().absolute()
        try:
            manifest = restoring.read_manifest(path)
            restoring.ensure_empty_target()
        except BackupError as exc:
            raise CommandError(f"Restore refused, nothing was changed: {exc}.") from exc
        target = describe_target()
        self.stdout.write(f"Backup: {path}, taken {manifest['created_at']} ({manifest['tool']}).")
        self.stdout.write(f"Target: {target} (empty).")
        if not options["yes"] and not self._confirmed():
            raise CommandError("Restore cancelled, nothing was changed.")
        try:
            restoring.restore(path, manifest)
        except BackupError as exc:
            raise CommandError(
                f"Restore failed: {exc}. The restore runs as one transaction, so none of the "
                "backup was written."
            ) from exc
        self.stdout.write(f"Restored into {target}. Checking it against the manifest:")
        result = restoring.verify_restored(manifest)
        for check in result.checks:
            mark = "ok     " if check.ok else "DIFFERS"
            line = f"  {mark} {check.subject}: {check.detail}"
            self.stdout.write(line if check.ok else self.style.ERROR(line))
        for note in result.notes:
            self.stdout.write(self.style.WARNING(f"Note: {note}"))
        if not result.verified:
            raise CommandError(
                "The restored database differs from the backup (see above); do not put it into "
                "service."
            )
        verified = "Restore verified: as the manifest says, and the audit chain is intact."
        self.stdout.write(self.style.SUCCESS(verified))

    def _confirmed(self) -> bool:
        self.stdout.write("Type 'yes' to restore: ", ending="")
        self.stdout.flush()
        try:
            answer = input()
        except EOFError:
            self.stdout.write("")
            return False
        return answer.strip().lower() == "yes"
