import json
import os
import tempfile
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
        after = _read_verified(resume) if resume else None
        result = services.verify_chain(checkpoint_path=options["checkpoint"], after=after)
        if not result.intact:
            raise CommandError(
                f"Audit chain broken at event {result.first_bad_sequence}: {result.problem}."
            )
        if resume:
            _write_verified(resume, result.length, result.last_hash)
            walked = result.length - result.first_sequence + 1
            self.stdout.write(self.style.SUCCESS(
                f"Audit chain intact: {result.length} events; {walked} walked, from event "
                f"{result.first_sequence}."
            ))  # fmt: skip
            return
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.length} events."))


def _read_verified(path: Path) -> tuple[int, str] | None:
    if not path.exists():
        return None  # the first walk: from the start
    try:
        data = json.loads(path.read_text())
        return int(data["sequence"]), str(data["hash"])
    except (ValueError, KeyError, TypeError) as error:
        raise CommandError(f"{path} does not name a verified event: {error}") from error


def _write_verified(path: Path, sequence: int, hash_: str) -> None:
    """Atomically replaced, as the checkpoint is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".verified-")
    with os.fdopen(fd, "w") as handle:
        json.dump({"sequence": sequence, "hash": hash_}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
