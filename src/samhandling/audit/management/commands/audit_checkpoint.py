from typing import Any

from django.core.management.base import BaseCommand

from samhandling.audit import services


class Command(BaseCommand):
    help = "Writes the audit chain's head to the checkpoint file (AUDIT_CHECKPOINT_PATH)."

    def handle(self, *args: Any, **options: Any) -> None:
        data = services.write_checkpoint()
        self.stdout.write(
            f"Checkpoint written to {services.checkpoint_path()}: event {data['sequence']}."
        )
