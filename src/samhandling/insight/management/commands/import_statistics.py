"""Imports statistics files from the command line (docs/statistics.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.insight import importers


class Command(BaseCommand):
    help = (
        "Imports official statistics from CSV files (header region,period,indicator,value,status"
        "[,breakdown][,note]) or JSON-stat 2.0 datasets and collections. Each file is imported "
        "all or nothing on its own: a file with any error writes nothing, and every error is "
        "printed with its line or value index; the other files are still imported. Importing a "
        "file again changes nothing; a newer file updates values and keeps the old ones as "
        "history. Exits with status 1 if any file was not imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="CSV or JSON-stat files")
        parser.add_argument(
            "--format",
            choices=["auto", "csv", "jsonstat"],
            default="auto",
            help="The files' format; auto (the default) decides from the name and the content.",
        )
        parser.add_argument(
            "--region-dim",
            default="",
            metavar="D",
            help="JSON-stat: the dimension holding region codes (default: role geo, or Region).",
        )
        parser.add_argument(
            "--period-dim",
            default="",
            metavar="D",
            help="JSON-stat: the dimension holding periods (default: role time, or Tid).",
        )
        parser.add_argument(
            "--indicator-dim",
            default="",
            metavar="D",
            help="JSON-stat: the dimension whose categories are indicator codes or source codes "
            "(default: role metric, or ContentsCode).",
        )
        parser.add_argument(
            "--indicator",
            default="",
            metavar="CODE",
            help="JSON-stat: one indicator for every value in the file, instead of a dimension.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and report what is wrong, without writing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = importers.Mapping(
            region=options["region_dim"],
            period=options["period_dim"],
            indicator=options["indicator_dim"],
            fixed_indicator=options["indicator"],
        )
        failed: list[str] = []
        for name in options["files"]:
            path = Path(name)
            try:
                content = path.read_bytes()
            except OSError as error:
                self.stderr.write(f"{name}: cannot be read ({error.strerror}).")
                failed.append(name)
                continue
            if options["dry_run"]:
                result, _rows = importers.validate(
                    content, path.name, fmt=options["format"], mapping=mapping
                )
            else:
                result = importers.load(content, path.name, fmt=options["format"], mapping=mapping)
            for problem in result.warnings:
                self.stdout.write(f"{name}, {problem.position}: warning: {problem.message}")
            for problem in result.errors:
                self.stderr.write(f"{name}, {problem.position}: {problem.message}")
            if not result.ok:
                self.stderr.write(
                    f"{name}: not imported, nothing written (errors: {len(result.errors)})."
                )
                failed.append(name)
            elif options["dry_run"]:
                self.stdout.write(f"{name}: {result.rows} rows, no errors (nothing written).")
            else:
                self.stdout.write(
                    f"{name}: {result.rows} rows, {result.created} created, "
                    f"{result.updated} updated, {result.unchanged} unchanged."
                )
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(options['files'])} files not imported: {', '.join(failed)}"
            )
