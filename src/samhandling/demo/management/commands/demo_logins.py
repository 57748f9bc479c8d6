from typing import Any

from django.core.management.base import BaseCommand

from samhandling.accounts.models import User
from samhandling.demo.cases import CITIZENS
from samhandling.organisations.models import Membership

from .seed_demo import DEMO_PASSWORD

DEMO_SIGN_IN = "/portal/demo-sign-in/"


class Command(BaseCommand):
    help = "Prints the demo users, their roles and the demo password (demo only)."

    def handle(self, *args: Any, **options: Any) -> None:
        memberships = (
            Membership.objects.filter(user__email__endswith="@demo.invalid")
            .select_related("user", "organisation")
            .order_by("role", "user__username")
        )
        self.stdout.write("")
        self.stdout.write("Demo users (synthetic, demo only) – password for all: " + DEMO_PASSWORD)
        for m in memberships:
            self.stdout.write(
                f"  {m.user.username:<16} {m.get_role_display():<22} {m.organisation.name}"
            )
        citizens = set(
            User.objects.filter(username__in=CITIZENS, citizen_identity__isnull=False).values_list(
                "username", flat=True
            )
        )
        if citizens:
            self.stdout.write("")
            self.stdout.write(
                f"Demo citizens (synthetic, demo only) – sign in at {DEMO_SIGN_IN} (no password):"
            )
            for username, description in CITIZENS.items():
                if username in citizens:
                    self.stdout.write(f"  {username:<16} {description}")
        self.stdout.write("")
