from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.audit import services


class Command(BaseCommand):
    help = (
        "Walks the audit chain and names the first event whose hash or link does not match, "
        "or reports the chain intact with its length. Compares with the checkpoint file too. "
        "With --resume FILE only the events after the one an earlier walk verified."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", type=Path, help="checkpoint file to compare with")
        parser.add_argument(
            "--resume",
            type=Path,
            help="file naming the last event verified: walk only the events after it (once it "
            "is found unchanged), and after an intact walk name the new last event in it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        resume: Path | None = options["resume"]
        try:
            after = services.read_verified_mark(resume) if resume else None
        except ValueError as error:
            raise CommandError(str(error)) from error
        result = services.verify_chain(checkpoint_path=options["checkpoint"], after=after)
        if not result.intact:
            raise CommandError(
                f"Audit chain broken at event {result.first_bad_sequence}: {result.problem}."
            )
        if resume:
            services.write_verified_mark(resume, result)
            walked = result.length - result.first_sequence + 1
            self.stdout.write(self.style.SUCCESS(
                f"Audit chain intact: {result.length} events; {walked} walked, from event "
                f"{result.first_sequence}."
            ))  # fmt: skip
            return
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.length} events."))
