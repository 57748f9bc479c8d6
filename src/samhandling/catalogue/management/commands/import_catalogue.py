"""Imports catalogue entries from JSON and CSV files (docs/catalogue-files.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.accounts.models import User
from samhandling.audit.context import bound
from samhandling.catalogue import interchange
from samhandling.catalogue.kinds import KINDS
from samhandling.organisations.actors import Actor, actor_for


class Command(BaseCommand):
    help = (
        "Imports catalogue entries from JSON documents (as export_catalogue writes them) and CSV "
        "files of one kind each (--kind, or a file name that names the kind, e.g. "
        "practices.csv). All files are checked and imported together, all or nothing: if "
        "anything is wrong, every problem is printed with its place and nothing is written "
        "(exit status 1). New keys become drafts by --editor, and entries that change become "
        "drafts again; --publish-as, another directorate editor, then publishes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON or CSV files")
        parser.add_argument(
            "--editor", required=True, metavar="USERNAME", help="The directorate editor who drafts"
        )
        parser.add_argument(
            "--kind", choices=list(KINDS), help="What the lines of the CSV files are"
        )
        parser.add_argument(
            "--publish-as",
            metavar="USERNAME",
            help="Another directorate editor, who publishes the imported drafts",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files only; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        uploads = []
        for name in options["files"]:
            path = Path(name)
            try:
                content = path.read_bytes()
            except OSError as error:
                raise CommandError(f"{name}: cannot be read ({error.strerror}).") from error
            kind = options["kind"] or interchange.kind_from_name(path.name)
            uploads.append(interchange.Upload(content, kind=kind, name=name))
        editor = _actor(options["editor"])
        publisher = _actor(options["publish_as"]) if options["publish_as"] else None
        with bound(channel="command"):
            if options["dry_run"]:
                problems = interchange.check_files(uploads)
                self._fail_on(problems)
                self.stdout.write("No problems found (nothing written).")
                return
            try:
                result = interchange.import_files(uploads, by=editor, publish_by=publisher)
            except PermissionDenied as refused:
                raise CommandError(f"Not imported: {refused}.") from refused
        self._fail_on(result.problems)
        counts = result.counts
        self.stdout.write(
            f"Imported: {counts['created']} created, {counts['updated']} changed, "
            f"{counts['unchanged']} unchanged, {counts['published']} published."
        )

    def _fail_on(self, problems: list[interchange.Problem]) -> None:
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"Nothing imported: {len(problems)} problems.")


def _actor(username: str) -> Actor:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user is called {username}.")
    return actor_for(user, channel="command")
