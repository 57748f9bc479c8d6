"""Load benchmark: the pages people use most, served as in production, against the raw-SQL limit.

    .venv/bin/python bench/national_dataset.py --scale 0.1 --defer-indexes   # once
    .venv/bin/python bench/load.py                        # 1, 10 and 50 users, 60 s each
    .venv/bin/python bench/load.py --users 1,10 --seconds 20 --workers 3 --think 0

PostgreSQL, on the national dataset (`DATABASE_URL`, default .../samhandling_national). It
1. prepares the dataset for people to use it: loads the shipped official statistics and 2,000
   experience-bank practices if they are missing, and gives `--people` professionals who
   coordinate an open case a password (the same random one, in memory only);
2. starts gunicorn (`--workers`, default 2 × cores + 1) on 127.0.0.1:8001 with the production
   settings (DEBUG off, sessions, CSRF, audit; only the second factor and the rate limits are
   off: the benchmark measures the pages, not the sign-in's second step or the limiter);
3. runs locust headless (bench/locustfile.py) with 1, 10 and 50 concurrent users, each signing
   in and then clicking with a pause of `--think` seconds ("1-3"; "0" for none: the server's
   ceiling), and prints p50/p95/p99 and requests per second of each page, counted from the
   moment every user has signed in (bench/locustfile.py: 50 sign-ins at once would otherwise
   queue the first seconds' pages behind their password hashing);
4. reads each worker's memory (RSS and PSS) after the run;
5. the limit: for each page, the SQL the app sends for it, with its parameters (captured from
   the same request made in-process), is sent again straight through psycopg, no framework,
   twice: unprepared (the values written into the SQL, planned on every execution) and
   prepared (planned once, as the app's connections do after five executions); the app's time
   (p50 at one user, over HTTP) is divided by each raw time (p50).
Every figure is printed; `--json FILE` also writes them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
import pages  # noqa: E402 - bench/pages.py, after the path

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "samhandling.config.settings",
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "HTTPS": "false",
    "DEBUG": "false",
    "DEMO_MODE": "false",
    "REQUIRE_2FA": "false",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/samhandling_national",
    "LOG_LEVEL": "WARNING",
    "RATE_LIMIT_SIGN_IN": "off",
    "RATE_LIMIT_PERSON_SEARCH": "off",
    "RATE_LIMIT_PUBLIC_SEARCH": "off",
    "AUDIT_CHECKPOINT_PATH": str(ROOT / "var" / "national-audit-checkpoint.json"),
}
for _name, _value in SERVER_ENV.items():
    os.environ.setdefault(_name, _value)

PAGES = pages.NAMES
PORT = 8001


# --- 1. the dataset as people use it ------------------------------------------------------------


def prepare(people: int, rng: random.Random) -> tuple[list[dict[str, Any]], str]:
    """The virtual users (professionals who coordinate an open case) and their password."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from samhandling.accounts.models import User
    from samhandling.catalogue.models import Practice
    from samhandling.coordination.models import Case
    from samhandling.insight.models import Observation
    from samhandling.people.models import Person

    if not Observation.objects.exists():
        call_command("load_statistics", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not Practice.objects.exists():
        add_practices(rng)
    cases = list(
        Case.objects.filter(status=Case.Status.OPEN, coordinator__isnull=False)
        .order_by("pk")
        .values_list("pk", "coordinator_id", "municipality_id", "municipality__code")[:20_000]
    )
    chosen: dict[int, tuple[int, int, str]] = {}
    for case, user, municipality, code in rng.sample(cases, len(cases)):
        chosen.setdefault(user, (case, municipality, code))
        if len(chosen) == people:
            break
    password = secrets.token_urlsafe(24)
    User.objects.filter(pk__in=chosen).update(password=make_password(password))
    names = dict(User.objects.filter(pk__in=chosen).values_list("pk", "username"))
    from catalogue_pages import TEXTS

    queries = [word for _text, word in TEXTS.values()]
    users = []
    for user, (case, municipality, code) in chosen.items():
        family = (
            Person.objects.filter(municipality_id=municipality)
            .order_by("pk")
            .values_list("family_name", flat=True)[rng.randrange(50)]
        )
        users.append({"username": names[user], "case": case, "municipality": code,
                      "search": family, "today": timezone.localdate().isoformat(),
                      "practice_query": rng.choice(queries)})  # fmt: skip
    return users, password


def add_practices(rng: random.Random, count: int = 2000) -> None:
    """The experience bank of bench/catalogue_pages.py (the national dataset has none)."""
    from django.utils import timezone

    from catalogue_pages import COUNTRY_OF, TEXTS
    from samhandling.accounts.models import User
    from samhandling.catalogue.models import Practice, Status
    from samhandling.catalogue.selectors import refresh_search_vectors
    from samhandling.organisations.models import Sector

    editor, _created = User.objects.get_or_create(username="bench-editor")
    now = timezone.now()
    practices = []
    for i in range(count):
        language = rng.choice(list(TEXTS))
        text, _word = TEXTS[language]
        low = rng.randint(0, 18)
        practices.append(Practice(
            key=f"load-practice-{i}", title=f"{text.split()[0]} {i}", country=COUNTRY_OF[language],
            level=rng.choice(Practice.Level.values), language=language, problem=text,
            what_was_done=f"{text}. " * 6, results=text,
            sectors=rng.sample(list(Sector.values), 3), age_from=low, age_to=min(24, low + 6),
            status=Status.PUBLISHED, edited_by=editor, edited_at=now, published_by=editor,
            published_at=now))  # fmt: skip
    Practice.objects.bulk_create(practices, batch_size=1000)
    refresh_search_vectors(Practice.objects.all())


# --- 2–4. the server under load ------------------------------------------------------------------


def start_server(workers: int, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    log = open(out / "gunicorn.log", "wb")  # noqa: SIM115 - the server's, for its lifetime
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "samhandling.config.wsgi:application",
         "--workers", str(workers), "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log,
    )  # fmt: skip
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def run_locust(users: int, seconds: int, think: str, users_file: Path, password: str,
               out: Path) -> dict[str, dict[str, float]]:  # fmt: skip
    env = {**os.environ, "LOAD_USERS": str(users_file), "LOAD_PASSWORD": password,
           "LOAD_THINK": think}  # fmt: skip
    prefix = out / f"locust-{users}"
    subprocess.run(
        [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", str(max(1, users)), "--run-time", f"{seconds}s",
         "--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--only-summary",
         "--loglevel", "ERROR", "--stop-timeout", "10"],
        env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    figures: dict[str, dict[str, float]] = {}
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            if not float(row["Request Count"]):
                continue  # asked only before the measurement started (signing in)
            figures[row["Name"]] = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
                "rps": float(row["Requests/s"]),
            }
    return figures


def worker_memory(server: subprocess.Popen[bytes]) -> list[tuple[float, float]]:
    """(RSS, PSS) in MiB of each gunicorn worker (the master's children)."""
    found = []
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        fields = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":", 1)
            fields[name] = int(value.split()[0]) / 1024
        found.append((fields["Rss"], fields["Pss"]))
    return found


def report(count: int, think: str, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    total = figures.get("Aggregated", {})
    rate, failures = total.get("rps", 0), int(total.get("failures", 0))
    print(f"\n{count} users, {args.seconds} s, pause {think} s, {args.workers} workers: "
          f"{rate:.1f} requests/s, {failures} failures")  # fmt: skip
    print(f"  {'page':<29} {'requests':>8} {'p50':>7} {'p95':>7} {'p99':>7}   ms")
    for page in PAGES:
        row = figures.get(page)
        if row:
            print(f"  {page:<29} {int(row['requests']):>8} {row['p50']:>7.0f} "
                  f"{row['p95']:>7.0f} {row['p99']:>7.0f}")  # fmt: skip


# --- 5. the raw-SQL limit ------------------------------------------------------------------------


Statement = tuple[str, Any, bool]  # SQL with %s placeholders, its parameters, executemany


def captured_sql(users: list[dict[str, Any]]) -> dict[str, list[list[Statement]]]:
    """For each page, the SQL statements the app runs for it, per user, with their parameters
    as the app sends them: the same requests as the locustfile, made in-process, each inside
    a transaction that is rolled back, so that its statements (its audit events too) can be
    sent again. Inside a transaction each read's audit events are appended as they are
    recorded, not together at the end of the request, so the raw side sends a few more
    statements than the app does when it serves the page."""
    from django.db import connection, transaction
    from django.test import Client

    from samhandling.accounts.models import User

    statements: dict[str, list[list[Statement]]] = {page: [] for page in PAGES}
    sent: list[Statement] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params, many))
        return execute(sql, params, many, context)

    clients = {}
    for me in users:  # warm: the first request of a page fills caches both ways
        clients[me["username"]] = client = Client()
        client.force_login(User.objects.get(username=me["username"]))
        for page in pages.reads(me):
            (client.post if page.method == "POST" else client.get)(page.path, page.data)
    # From here on nothing commits: the audit events appended in each captured transaction
    # take the same sequence numbers as the raw side's, which are rolled back too.
    begin, rollback = ("BEGIN", None, False), ("ROLLBACK", None, False)
    with connection.execute_wrapper(record):
        for me in users:
            client = clients[me["username"]]
            for page in pages.reads(me):
                send = client.post if page.method == "POST" else client.get
                sent.clear()
                with transaction.atomic():
                    assert send(page.path, page.data).status_code == 200, page.name
                    transaction.set_rollback(True)
                statements[page.name].append([begin, *sent, rollback])
            for htmx in (True, False):
                entry = pages.log_entry(me, htmx=htmx)
                headers = {f"HTTP_{name.upper().replace('-', '_')}": value
                           for name, value in entry.headers.items()}  # fmt: skip
                sent.clear()
                with transaction.atomic():
                    response = client.post(entry.path, entry.data, **headers)
                    assert response.status_code == (200 if htmx else 302), response.status_code
                    if not htmx:  # the page the redirect lands on, as the load's client follows it
                        assert client.get(f"/work/cases/{me['case']}/").status_code == 200
                    transaction.set_rollback(True)
                statements[entry.name].append([begin, *sent, rollback])
    return statements


def raw_times(statements: dict[str, list[list[Statement]]], rounds: int, *,
              prepared: bool) -> dict[str, float]:  # fmt: skip
    """p50 in ms of sending each page's statements straight through psycopg and reading every
    row, over `rounds` rounds of all the users. Unprepared: the values written into the SQL
    (client-side binding), planned on every execution, as the app sent them before it
    prepared statements. Prepared: the values apart (server-side binding) and every statement
    prepared on its first execution, so that the rounds after the first are planned once."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    found = {}
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                         port=db["PORT"] or 5432, autocommit=True) as raw:  # fmt: skip
        kind = psycopg.Cursor if prepared else psycopg.ClientCursor
        for page, per_user in statements.items():
            timings = []
            for _ in range(rounds):
                for sqls in per_user:
                    start = time.perf_counter()
                    with kind(raw) as cursor:
                        for sql, params, many in sqls:
                            if sql == "ROLLBACK" and prepared:
                                # past psycopg, which forgets its prepared statements on a
                                # rollback (PostgreSQL keeps them: they are not transactional)
                                raw.pgconn.exec_(b"ROLLBACK")
                                continue
                            if many:
                                cursor.executemany(sql, params)
                            else:
                                cursor.execute(sql, params, prepare=prepared and bool(params))
                            if cursor.description is not None:
                                cursor.fetchall()
                    timings.append((time.perf_counter() - start) * 1000)
            found[page] = statistics.median(timings)
    return found


# --- the whole run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,10,50", help="concurrent users, comma-separated")
    parser.add_argument("--seconds", type=int, default=60, help="per number of users")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--think", default="0,1-3", help='pauses between clicks, a series each: "1-3" s or "0"'
    )
    parser.add_argument("--people", type=int, default=50, help="professionals who sign in")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from samhandling.people.models import Person

    rng = random.Random(args.seed)
    started = time.perf_counter()
    users, password = prepare(args.people, rng)
    persons = Person.objects.count()
    print(f"load on {connection.settings_dict['NAME']}: {persons:,} persons; "
          f"{len(users)} professionals ready in {time.perf_counter() - started:.1f} s")  # fmt: skip
    results: dict[str, Any] = {"persons": persons, "workers": args.workers, "think": args.think,
                               "seconds": args.seconds, "runs": {}, "serial": {}}  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="samhandling-load-"))
    users_file = out / "users.json"
    users_file.write_text(json.dumps(users))
    server = start_server(args.workers, out)
    try:
        for think in args.think.split(","):
            for count in [int(n) for n in args.users.split(",")]:
                figures = run_locust(count, args.seconds, think, users_file, password, out)
                results["runs"][f"{count} users, pause {think} s"] = figures
                if count == 1 and think == "0":
                    results["serial"] = figures
                report(count, think, args, figures)
        memory = worker_memory(server)
        results["memory"] = memory
        print("\nmemory per worker after the runs (MiB): "
              + ", ".join(f"RSS {rss:.0f} / PSS {pss:.0f}" for rss, pss in memory))  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    statements = captured_sql(users[:5])
    raw = raw_times(statements, rounds=10, prepared=False)
    prepared = raw_times(statements, rounds=10, prepared=True)
    one = results["serial"] or next(iter(results["runs"].values()))
    print(
        "\nthe limit: the same SQL straight through psycopg (p50, 5 users × 10 rounds), "
        "against the app's p50 for one user without pauses; unprepared (planned each time) "
        "and prepared (planned once, as the app's connections do after five executions)"
    )
    print(f"  {'page':<29} {'queries':>7} {'raw SQL':>8} {'prepared':>8} {'app p50':>8} "
          f"{'app/raw':>8} {'app/prep.':>9}")  # fmt: skip
    results["raw"] = {}
    for page in PAGES:
        queries = statistics.median(len(sqls) for sqls in statements[page])
        app = one.get(page, {}).get("p50", 0.0)
        ratio = app / raw[page] if raw[page] else 0.0
        ratio_prepared = app / prepared[page] if prepared[page] else 0.0
        results["raw"][page] = {"queries": queries, "raw_ms": raw[page],
                                "prepared_ms": prepared[page], "app_ms": app}  # fmt: skip
        print(f"  {page:<29} {queries:>7.0f} {raw[page]:>6.1f} ms {prepared[page]:>6.1f} ms "
              f"{app:>5.0f} ms {ratio:>7.1f}× {ratio_prepared:>8.1f}×")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
