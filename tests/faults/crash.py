"""A process of its own that does real work and can stop dead in the middle of a write.

    python tests/faults/crash.py worker
        `manage.py db_worker --batch`: runs the background tasks queued in the database
    python tests/faults/crash.py plan-summary PLAN_ID USERNAME SUMMARY EXPECTED_VERSION
    python tests/faults/crash.py goal PLAN_ID USERNAME TITLE EXPECTED_VERSION
        saves the plan through coordination.services, as the plan page and the API do

The database is DATABASE_URL's (the test database). A fault is armed through the environment:

    FAULT_SQL     a regular expression; a statement it matches is a fault point
    FAULT_AFTER   which matching statement is the fault point (1 = the first)
    FAULT_WHEN    "after" the statement has run (the default) or "before" it runs
    FAULT_PROBE   optional: a query run inside the writer's transaction at the fault point
    FAULT_MARKER  written at the fault point (JSON): the statement, whether the writer's
                  transaction was open, the probe's answer, the database backend's pid

At the fault point the process writes the marker and waits: the test kills it with SIGKILL, as
the kernel's out-of-memory killer or a pulled plug would, with nothing run after. The hook is a
database execute wrapper on every connection the process opens (the import's progress is
written through a second connection); it changes nothing but the timing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(BASE_DIR / "src"), str(BASE_DIR)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")

import django  # noqa: E402 - after the path is set

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402

WAIT_FOR_KILL_SECONDS = 120


class Fault:
    def __init__(self, environ: dict[str, str]) -> None:
        self.pattern = re.compile(environ["FAULT_SQL"])
        self.after = int(environ.get("FAULT_AFTER", "1"))
        self.before = environ.get("FAULT_WHEN", "after") == "before"
        self.probe = environ.get("FAULT_PROBE", "")
        self.marker = Path(environ["FAULT_MARKER"])
        self.seen = 0
        self.stopping = False

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.stopping or not self.pattern.search(sql):
            return execute(sql, params, many, context)
        self.seen += 1
        if self.seen != self.after:
            return execute(sql, params, many, context)
        if self.before:
            self.stop(sql)
        result = execute(sql, params, many, context)
        self.stop(sql)
        return result

    def stop(self, sql: str) -> None:
        self.stopping = True
        writer = connections[DEFAULT_DB_ALIAS]
        state: dict[str, Any] = {
            "pid": os.getpid(),
            "statement": " ".join(sql.split())[:160],
            "in_transaction": writer.in_atomic_block,
            "probe": None,
            "backend_pid": None,
        }
        if self.probe:
            with writer.cursor() as cursor:
                cursor.execute(self.probe)
                state["probe"] = [list(row) for row in cursor.fetchall()]
        if writer.vendor == "postgresql" and writer.connection is not None:
            state["backend_pid"] = writer.connection.info.backend_pid
        written = self.marker.with_suffix(".tmp")
        written.write_text(json.dumps(state, default=str))
        written.rename(self.marker)
        time.sleep(WAIT_FOR_KILL_SECONDS)
        os._exit(3)  # never killed: the test has failed already


def arm(fault: Fault) -> None:
    def install(sender: Any, connection: Any, **kwargs: Any) -> None:
        if fault not in connection.execute_wrappers:
            connection.execute_wrappers.append(fault)

    connection_created.connect(install, weak=False)


def save_plan(kind: str, plan_id: str, username: str, text: str, expected: str) -> None:
    from samhandling.accounts.models import User
    from samhandling.coordination import services
    from samhandling.coordination.models import Plan
    from samhandling.organisations.actors import actor_for

    actor = actor_for(User.objects.get(username=username))
    plan = Plan.objects.get(pk=int(plan_id))
    if kind == "plan-summary":
        services.update_plan_summary(plan, by=actor, summary=text, expected_version=int(expected))
    else:
        services.add_goal(plan, by=actor, title=text, expected_version=int(expected))
    print(f"saved, version {plan.version}")


def main(argv: list[str]) -> None:
    if os.environ.get("FAULT_SQL"):
        arm(Fault(dict(os.environ)))
    if argv[0] == "worker":
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay",
                     "--interval", "0", verbosity=0)  # fmt: skip
    elif argv[0] in ("plan-summary", "goal"):
        save_plan(argv[0], *argv[1:5])
    else:
        raise SystemExit(f"unknown work: {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
