"""Load benchmark: the pages people use most, served as in production, against the raw-SQL limit.

    .venv/bin/python bench/national_dataset.py --scale 0.1 --defer-indexes   # once
    .venv/bin/python bench/load.py                        # 1, 10 and 50 users, 60 s each
    .venv/bin/python bench/load.py --users 1,10 --seconds 20 --workers 3 --think 0

PostgreSQL, on the national dataset (`DATABASE_URL`, default .../samhandling_national). It
1. prepares the dataset for people to use it: loads the shipped official statistics and 2,000
   experience-bank practices if they are missing, and gives `--people` professionals who
   coordinate an open case a password (the same random one, in memory only);
2. starts gunicorn (`--workers`, default cores + 1: here PostgreSQL and the load generator
   share the cores; bench/RESULTS.md compares 2, 3 and 5) on 127.0.0.1:8001 with the production
   settings (DEBUG off, sessions, CSRF, audit; only the second factor and the rate limits are
   off: the benchmark measures the pages, not the sign-in's second step or the limiter);
3. runs locust headless (bench/locustfile.py) with 1, 10 and 50 concurrent users, each signing
   in and then clicking with a pause of `--think` seconds ("1-3"; "0" for none: the server's
   ceiling), and prints p50/p95/p99 and requests per second of each page, counted from the
   moment every user has signed in (bench/locustfile.py: 50 sign-ins at once would otherwise
   queue the first seconds' pages behind their password hashing);
   Before each run a CHECKPOINT writes out what the previous one left dirty, and each run
   prints how much of its time a task waited for a CPU and the disk stalled every task
   (Linux PSI, /proc/pressure): on a shared machine a stalled disk shows up in the p95;
4. reads each worker's memory (RSS and PSS) after the run;
5. the limit: for each page, the SQL the app sends for it, with its parameters (captured from
   the same request made in-process), is sent again straight through psycopg, no framework,
   twice: unprepared (the values written into the SQL, planned on every execution, as psql
   sends it) and prepared (planned once, as the app's connections do after five executions);
   with the server started again, the app's answer to the same request over HTTP and the two
   raw sends are taken in turn, request by request (`--limit-rounds`, five professionals one
   at a time), and the app's p50 is divided by each raw p50. Taken minutes apart, as this
   benchmark did before, the ratio followed the machine's speed from minute to minute: the
   same commit's raw SQL took 14.5 ms in one run and 28.1 ms in the next.
Every figure is printed; `--json FILE` also writes them.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
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


def start_server(workers: int, out: Path, threads: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    log = open(out / "gunicorn.log", "wb")  # noqa: SIM115 - the server's, for its lifetime
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "samhandling.config.wsgi:application",
         "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
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
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/locustfile.py"), "--headless",
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


def checkpoint() -> None:
    """CHECKPOINT: what the previous run left in PostgreSQL's buffers is written out now, not
    by the timed checkpoint in the middle of the next run (its disk writes would count in that
    run's figures). Needs a superuser or pg_checkpoint; skipped without."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        print(f"  (no CHECKPOINT before the run: {error})")


def pressure() -> dict[str, float]:
    """How long, in µs since boot, some task waited for a CPU and every task waited for the
    disk (Linux pressure stall information); {} without /proc/pressure."""
    found = {}
    for kind, line in (("cpu", "some"), ("io", "full")):
        try:
            text = Path(f"/proc/pressure/{kind}").read_text()
        except OSError:
            continue
        for row in text.splitlines():
            if row.startswith(line):
                found[kind] = float(row.rsplit("total=", 1)[1])
    return found


def stalled(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """The share of the run, in %, that some task waited for a CPU ("cpu") and that every task
    waited for the disk ("io"): a run with the disk stalled (a shared machine's neighbours,
    a checkpoint) is not a run of the application's own speed."""
    return {kind: (after[kind] - before[kind]) / 1e6 / seconds * 100
            for kind in before if kind in after}  # fmt: skip


def report(count: int, think: str, args: argparse.Namespace, figures: dict[str, Any],
           stalls: dict[str, float]) -> None:  # fmt: skip
    total = figures.get("Aggregated", {})
    rate, failures = total.get("rps", 0), int(total.get("failures", 0))
    waits = ""
    if stalls:
        waits = (f"; CPU waited for {stalls.get('cpu', 0):.0f} %, the disk stalled everything "
                 f"{stalls.get('io', 0):.1f} % of the run")  # fmt: skip
    print(f"\n{count} users, {args.seconds} s, pause {think} s, {args.workers} workers: "
          f"{rate:.1f} requests/s, {failures} failures{waits}")  # fmt: skip
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


def _replay(raw: Any, sqls: list[Statement], *, prepared: bool) -> float:
    """ms to send one request's statements straight through psycopg and read every row.
    Unprepared: the values written into the SQL (client-side binding), planned on every
    execution, as psql sends them. Prepared: the values apart (server-side binding), each
    statement prepared on its first execution and planned once after that."""
    import psycopg

    kind = psycopg.Cursor if prepared else psycopg.ClientCursor
    start = time.perf_counter()
    with kind(raw) as cursor:
        for sql, params, many in sqls:
            if sql == "ROLLBACK":
                # past psycopg, which forgets its prepared statements on a rollback (also an
                # unprepared send's, in between; PostgreSQL keeps them: not transactional)
                raw.pgconn.exec_(b"ROLLBACK")
                continue
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params, prepare=prepared and bool(params))
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - start) * 1000


class _Browser:
    """One professional's signed-in session over HTTP (http.client, a redirect followed), the
    way the load's clients ask: its session made in-process, as Django's test client
    `force_login` makes one; a POST carries the CSRF token a page gave.

    http.client, not urllib: urllib's opener, handlers and header parsing are the benchmark's
    own Python, 0.4–0.9 ms a request on this machine (bench/RESULTS.md), which the app's side
    of the limit would count as the app's. The timer runs from the connection's opening to the
    answer's last byte, as the raw side's runs from the first statement to the last row."""

    def __init__(self, me: dict[str, Any]) -> None:
        from django.conf import settings
        from django.test import Client

        from samhandling.accounts.models import User

        client = Client()
        client.force_login(User.objects.get(username=me["username"]))
        self.me = me
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value
        }
        page = self.ask(pages.Page("case page", "GET", f"/work/cases/{me['case']}/"))[1]
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "no CSRF token on the case page"
        self.token = found.group(1)

    def ask(self, page: pages.Page) -> tuple[float, str]:
        """ms to the last byte of the answer (and of the page a redirect leads to), and the
        answer."""
        body = None
        path = page.path
        headers = dict(page.headers)
        if page.method == "POST":
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": getattr(self, "token", ""),
                                           **page.data}).encode()  # fmt: skip
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif page.data:
            path = f"{path}?{urllib.parse.urlencode(page.data)}"
        start = time.perf_counter()
        status, location, answer = self._send(page.method, path, headers, body)
        if status in (301, 302, 303) and location:  # as a browser: the page it leads to
            target = urllib.parse.urlsplit(location)
            there = f"{target.path}?{target.query}" if target.query else target.path
            status, location, answer = self._send("GET", there, dict(page.headers), None)
        spent = (time.perf_counter() - start) * 1000
        if status >= 400:
            raise RuntimeError(f"{page.name}: HTTP {status}")
        return spent, answer

    def _send(self, method: str, path: str, headers: dict[str, str],
              body: bytes | None) -> tuple[int, str, str]:  # fmt: skip
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), answer


def interleaved(users: list[dict[str, Any]], statements: dict[str, list[list[Statement]]],
                rounds: int) -> dict[str, dict[str, float]]:  # fmt: skip
    """Per page, the p50 in ms of three things taken in turn, request by request: the app's
    answer over HTTP to one of the professionals whose SQL was captured, and that request's
    SQL sent straight through psycopg, unprepared and prepared. Taken in turn, the three meet
    the machine in the same state: measured minutes apart, on a machine whose speed varies
    from minute to minute, the ratio would say more about the minute than the app."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    browsers = [_Browser(me) for me in users]
    taken: dict[str, dict[str, list[float]]] = {
        page: {"app": [], "raw": [], "prepared": []} for page in PAGES
    }
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                         port=db["PORT"] or 5432, autocommit=True) as raw:  # fmt: skip
        for number in range(-len(browsers), rounds):  # a first round of each, not counted
            index = number % len(browsers)
            if number < 0:
                for page in pages.reads(users[index]):
                    browsers[index].ask(page)
                    _replay(raw, statements[page.name][index], prepared=True)
                continue
            browser, me = browsers[index], users[index]
            asked = [*pages.reads(me), pages.log_entry(me, 10_000 + number),
                     pages.log_entry(me, 10_000 + number, htmx=False)]  # fmt: skip
            for page in asked:
                sqls = statements[page.name][index]
                taken[page.name]["app"].append(browser.ask(page)[0])
                taken[page.name]["raw"].append(_replay(raw, sqls, prepared=False))
                taken[page.name]["prepared"].append(_replay(raw, sqls, prepared=True))
    return {page: {kind: statistics.median(times) for kind, times in kinds.items()}
            for page, kinds in taken.items()}  # fmt: skip


# --- the whole run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,10,50", help="concurrent users, comma-separated")
    parser.add_argument("--seconds", type=int, default=60, help="per number of users")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--think", default="0,1-3", help='pauses between clicks, a series each: "1-3" s or "0"'
    )
    parser.add_argument("--people", type=int, default=50, help="professionals who sign in")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument(
        "--limit-rounds",
        type=int,
        default=50,
        help="rounds of the limit's app, raw and prepared requests in turn",
    )
    parser.add_argument("--threads", type=int, default=1, help="per worker (gthread if > 1)")
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
    server = start_server(args.workers, out, args.threads)
    try:
        for think in args.think.split(","):
            for count in [int(n) for n in args.users.split(",")]:
                checkpoint()
                before, started = pressure(), time.monotonic()
                figures = run_locust(count, args.seconds, think, users_file, password, out)
                stalls = stalled(before, pressure(), time.monotonic() - started)
                results["runs"][f"{count} users, pause {think} s"] = figures
                results.setdefault("stalls", {})[f"{count} users, pause {think} s"] = stalls
                if count == 1 and think == "0":
                    results["serial"] = figures
                report(count, think, args, figures, stalls)
        memory = worker_memory(server)
        results["memory"] = memory
        print("\nmemory per worker after the runs (MiB): "
              + ", ".join(f"RSS {rss:.0f} / PSS {pss:.0f}" for rss, pss in memory))  # fmt: skip
        statements = captured_sql(users[:5])
        checkpoint()
        limit = interleaved(users[:5], statements, rounds=args.limit_rounds)  # the server, warm
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"\nthe limit: each page's SQL sent straight through psycopg, against the app's answer "
        f"over HTTP to the same request, taken in turn ({args.limit_rounds} rounds of five "
        "professionals, one at a time, p50); unprepared (the values in the SQL, planned each "
        "time, as psql sends it) and prepared (planned once, as the app's connections do after "
        "five executions)"
    )  # fmt: skip
    print(f"  {'page':<29} {'queries':>7} {'raw SQL':>8} {'prepared':>8} {'app p50':>8} "
          f"{'app/raw':>8} {'app/prep.':>9}")  # fmt: skip
    results["raw"] = {}
    for page in PAGES:
        queries = statistics.median(len(sqls) for sqls in statements[page])
        app, raw, prepared = (limit[page][kind] for kind in ("app", "raw", "prepared"))
        results["raw"][page] = {"queries": queries, "raw_ms": raw,
                                "prepared_ms": prepared, "app_ms": app}  # fmt: skip
        print(f"  {page:<29} {queries:>7.0f} {raw:>6.1f} ms {prepared:>6.1f} ms "
              f"{app:>5.1f} ms {app / raw:>7.1f}× {app / prepared:>8.1f}×")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
