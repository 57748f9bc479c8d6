"""Issues an API token to a user and prints it once: it cannot be shown again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samhandling.accounts import tokens
from samhandling.accounts.models import User


class Command(BaseCommand):
    help = "Issues an API bearer token to USERNAME and prints it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=tokens.DEFAULT_DAYS,
            help=f"days until it expires (1–{tokens.MAX_DAYS}, default {tokens.DEFAULT_DAYS})",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError("No active user with that username.")
        days = options["days"]
        if not 1 <= days <= tokens.MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {tokens.MAX_DAYS}.")
        plaintext = tokens.issue_token(user, name=options["name"], days=days)
        self.stderr.write(
            f"Token '{options['name']}' for {user.username}, valid {days} days. "
            "It is shown once; store it in the integration's secret store."
        )
        self.stdout.write(plaintext)
