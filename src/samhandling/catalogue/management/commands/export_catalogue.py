"""Exports the published catalogue as JSON or CSV (docs/catalogue-files.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from samhandling.catalogue import interchange
from samhandling.catalogue.kinds import KINDS


class Command(BaseCommand):
    help = (
        "Writes the published entries of the catalogue as one JSON document (every kind, or "
        "--kind K), or as CSV: one kind to a file or standard output, or with -o DIRECTORY one "
        "file per kind (catalogue-<kind>.csv). Drafts and withdrawn entries are never exported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--kind", choices=list(KINDS), help="Only this kind of entry.")
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="Write to FILE (for CSV of every kind: a directory) instead of standard output.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, output = options["kind"], options["output"]
        if options["format"] == "json":
            document = interchange.export_json([kind] if kind else None)
            text = json.dumps(document, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder) + "\n"
            self._write(text, output)
        elif kind:
            self._write(_csv(kind, output), output)
        elif output and Path(output).is_dir():
            for each in KINDS:
                path = str(Path(output) / f"catalogue-{each}.csv")
                self._write(_csv(each, path), path)
        else:
            raise CommandError("CSV holds one kind: give --kind, or -o DIRECTORY for every kind.")

    def _write(self, text: str, output: str | None) -> None:
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from error
        self.stdout.write(f"Written: {output}")


def _csv(kind: str, output: str | None) -> str:
    """A CSV export; a file begins with the byte order mark that tells spreadsheets it is UTF-8
    (as a download does)."""
    text = interchange.export_csv(kind)
    return "\ufeff" + text if output else text
