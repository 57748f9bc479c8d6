from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.audit import services


class Command(BaseCommand):
    help = (
        "Walks the audit chain and names the first event whose hash or link does not match, "
        "or reports the chain intact with its length. Compares with the checkpoint file too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", type=Path, help="checkpoint file to compare with")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.verify_chain(checkpoint_path=options["checkpoint"])
        if not result.intact:
            raise CommandError(
                f"Audit chain broken at event {result.first_bad_sequence}: {result.problem}."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.length} events."))
