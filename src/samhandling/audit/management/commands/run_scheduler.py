import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Enqueues the periodic background tasks named in settings.SCHEDULE at their intervals. "
        "Run it beside `manage.py db_worker`, which executes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="enqueue every task once, then stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = [(import_string(path), seconds) for path, seconds in settings.SCHEDULE]
        due = dict.fromkeys(range(len(schedule)), 0.0)
        while True:
            now = time.monotonic()
            for index, (task, seconds) in enumerate(schedule):
                if now >= due[index]:
                    task.enqueue()
                    due[index] = now + seconds
            if options["once"]:
                return
            time.sleep(max(1.0, min(due.values()) - time.monotonic()))
