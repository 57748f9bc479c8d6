import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.audit import context
from samhandling.retention import services


class Command(BaseCommand):
    help = (
        "Deletes what is past its retention period (settings.RETENTION) and prints a report by "
        "ids, never names. Deleting needs RETENTION_ENABLED=true; --dry-run lists what would "
        "go and always works. Removing audit events needs the owner of the audit table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted; delete nothing"
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="with --dry-run: what would be deleted on this day (YYYY-MM-DD)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["today"] and not options["dry_run"]:
            raise CommandError("--today only goes with --dry-run.")
        try:
            with context.bound(channel="command"):  # one request id for the run's events
                report = services.apply(dry_run=options["dry_run"], today=options["today"])
        except services.RetentionOff as exc:
            raise CommandError(f"{exc} (--dry-run lists what would be deleted.)") from exc
        for line in report.lines():
            self.stdout.write(line)
