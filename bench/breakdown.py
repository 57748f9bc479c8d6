"""Where a page's time goes: the load benchmark's pages split into SQL, the ORM building SQL,
the templates and the rest, in-process on the national dataset.

    .venv/bin/python bench/national_dataset.py --scale 0.1 --defer-indexes   # once
    .venv/bin/python bench/breakdown.py                 # every page, 50 requests each
    .venv/bin/python bench/breakdown.py --page "case page" --requests 200

bench/load.py divides the app's time by the time of its SQL sent straight through psycopg.
This says what the difference is made of. Each page of bench/pages.py is asked for by one
professional through Django's test client (the whole middleware stack, no HTTP), after
warm-up and with the process's objects frozen out of the garbage collector's sight as the
server does (config/wsgi.py, config/warm.py). Per request, the mean of:

- **SQL**: the statements on the wire, from sending to the last row read (psycopg);
- **ORM**: Django turning querysets into SQL (`SQLCompiler.as_sql`);
- **templates**: rendering the page's Django templates, and the Jinja2 form fields they
  include, less any SQL or ORM time spent inside them (a queryset the template reads);
- **rest**: everything else: middleware, sessions, the policy, the audit events, building
  model objects from rows, forms, the test client.

The timers are wrapped around Django's own functions here, in this script only; they add
about 1 % to a request. The figures are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402 - bench/load.py: the server's settings and the professionals
import pages  # noqa: E402

SPENT = {"sql": 0.0, "orm": 0.0, "templates": 0.0, "inside templates": 0.0}
_depth = {"orm": 0, "templates": 0}


def _timed(part: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, adding its time to SPENT[part] (only the outermost call: they nest)."""

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        _depth[part] += 1
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _depth[part] -= 1
            if _depth[part] == 0:
                spent = time.perf_counter() - started
                SPENT[part] += spent
                if part == "orm" and _depth["templates"]:
                    SPENT["inside templates"] += spent

    return timed


def _sql_timer(execute: Callable[..., Any], sql: str, params: Any, many: bool,
               context: dict[str, Any]) -> Any:  # fmt: skip
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent = time.perf_counter() - started
        SPENT["sql"] += spent
        if _depth["templates"]:
            SPENT["inside templates"] += spent


def instrument() -> None:
    from django.db.models.sql import compiler
    from django.template.backends import django as django_backend

    for kind in (compiler.SQLCompiler, compiler.SQLInsertCompiler, compiler.SQLUpdateCompiler,
                 compiler.SQLDeleteCompiler, compiler.SQLAggregateCompiler):  # fmt: skip
        kind.as_sql = _timed("orm", kind.as_sql)  # type: ignore[method-assign]
    django_backend.Template.render = _timed("templates", django_backend.Template.render)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", default="", help="only the pages whose name contains this")
    parser.add_argument("--requests", type=int, default=50, help="per page, after warm-up")
    parser.add_argument("--seed", type=int, default=24)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from samhandling.accounts.models import User

    users, _password = load.prepare(1, random.Random(args.seed))
    me = users[0]
    client = Client()
    client.force_login(User.objects.get(username=me["username"]))
    chosen = [page for page in pages.reads(me) if args.page in page.name]
    for page in chosen:  # warm-up: templates compiled, caches filled
        for _ in range(5):
            (client.post if page.method == "POST" else client.get)(page.path, page.data)
    gc.collect()
    gc.freeze()
    instrument()
    print(f"breakdown on {connection.settings_dict['NAME']}, {args.requests} requests a page, "
          "mean ms per request")  # fmt: skip
    print(f"  {'page':<24} {'total':>6} {'p50':>6} {'SQL':>6} {'ORM':>6} {'templ.':>6} "
          f"{'rest':>6} {'total/SQL':>9}")  # fmt: skip
    with connection.execute_wrapper(_sql_timer):
        for page in chosen:
            send = client.post if page.method == "POST" else client.get
            for part in SPENT:
                SPENT[part] = 0.0
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = send(page.path, page.data)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (page.name, response.status_code)
            n = args.requests
            total, sql, orm = sum(times) / n, SPENT["sql"] / n, SPENT["orm"] / n
            templates = (SPENT["templates"] - SPENT["inside templates"]) / n
            rest = total - sql - orm - templates
            print(f"  {page.name:<24} {total * 1000:6.1f} {statistics.median(times) * 1000:6.1f} "
                  f"{sql * 1000:6.1f} {orm * 1000:6.1f} {templates * 1000:6.1f} "
                  f"{rest * 1000:6.1f} {total / sql:8.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
