"""Benchmark: the audit chain under concurrent writers, and its share of a case page's time.

    .venv/bin/python bench/audit_concurrency.py     # PostgreSQL, database samhandling_auditbench
    DATABASE_URL=sqlite:///var/bench-auditbench.sqlite3 .venv/bin/python bench/audit_concurrency.py

Runs on PostgreSQL and SQLite. Starts from an empty database (dropped and created again) with
a small world built by bench/case_pages.py (by default 2,000 children and 400 open cases; the
case page itself does not depend on the municipality's size), then:

1. Concurrent writers: for W in 1, 2, 4, 8, 16 writer processes (each its own Django setup and
   connection) append for a fixed time through the real `audit.services`, four ways:
   - "own commit": `record` outside any transaction, one event committed on its own (what a
     command or task does; the single-writer figure is bench/audit_record.py's);
   - "page batch": what a case page appends since requests are `batched`: the case and its 12
     log entries recorded inside `audit.batched()`, appended together in one transaction;
   - "in a write": the real service `add_log_entry` (policy, a log entry row and its event in
     one transaction), each writer in a case of its own;
   - "no chain": a row of the same size inserted and committed in a table of the benchmark's
     own, without the chain: what the database and its disk allow, for comparison.
   Prints events per second and latency p50/p95/p99 per operation, and on PostgreSQL what the
   writers' sessions were doing (pg_stat_activity sampled every 20 ms: in Python, waiting for
   the chain head's lock, flushing WAL …); then checks the chain with the real verifier and
   counts events, sequences and links: no event lost, no fork.
2. Share of request time: the case page through the whole stack (django.test.Client) as the
   coordinator, with the audit service's functions wrapped in timers in this process only,
   alone and again while 4 writers append page batches. Prints "audit per request: X ms of
   Y ms (Z %)": what the request's own thread spends on the audit: building the events,
   sending them ahead and, at the end of the request, waiting for them and appending the
   rest. On PostgreSQL a page's reads are sent ahead on a connection of their own and
   appended while the page renders (`audit.services.send_ahead`, audit/ahead.py): how long
   they were on their way, and how much of that the end of the request still waited, is
   printed apart, as it overlaps.
Target: < 1 ms of audit per request.

BENCH_SECONDS (per W and way, default 4), BENCH_REQUESTS (default 100), BENCH_CHILDREN and
BENCH_CASES (the world, read by case_pages.py) change the sizes.
"""

import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("REQUIRE_2FA", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("RATE_LIMIT_PERSON_SEARCH", "off")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_auditbench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault(
    "AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "bench-auditbench-checkpoint.json")
)
os.environ.setdefault("BENCH_CHILDREN", "2000")
os.environ.setdefault("BENCH_CASES", "400")

WRITERS = (1, 2, 4, 8, 16)
WAYS = ("own commit", "page batch", "in a write", "no chain")
PAGE_ENTRIES = 12  # a case page of the world: the case and its 12 log entries
PER = {
    "own commit": "event",
    "page batch": f"page ({PAGE_ENTRIES + 1} events)",
    "in a write": "write (add_log_entry)",
    "no chain": "row",
}
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
LOAD_WRITERS = 4
COORDINATOR = "bench-coordinator"  # made by case_pages.build, team member of the first 40 cases
PAYLOAD = "x" * 400  # about the size of an event's row


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))]


# --- writer processes -------------------------------------------------------------------------


def writer(index: int, case_id: int, commands: Any, results: Any, stop: Any) -> None:
    """One writer: its own Django and connection; runs what it is told until told to end."""
    try:
        import django

        django.setup()
        from django.db import connection

        from samhandling.accounts.models import User
        from samhandling.audit import context
        from samhandling.audit import services as audit
        from samhandling.coordination import services
        from samhandling.coordination.models import Case, LogEntry
        from samhandling.organisations.actors import actor_for

        actor = actor_for(User.objects.get(username=COORDINATOR))
        case = Case.objects.get(pk=case_id)
        entries = list(LogEntry.objects.filter(case=case).order_by("pk")[:PAGE_ENTRIES])
        for entry in entries:
            entry.case = case  # as the case page does: no query per entry for its subject

        def own_commit() -> int:
            audit.record(actor, "view", case, purpose="case")
            return 1

        def page_batch() -> int:
            with audit.batched():
                audit.record(actor, "view", case, purpose="case page")
                audit.record_many(actor, "view", entries, purpose="relay log")
            return 1 + len(entries)

        def in_a_write() -> int:
            services.add_log_entry(case, by=actor, kind="observation", text="Benchmark entry")
            return 1

        def no_chain() -> int:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_reference (payload) VALUES (%s)", [PAYLOAD])
            return 1

        do: dict[str, Callable[[], int]] = {
            "own commit": own_commit,
            "page batch": page_batch,
            "in a write": in_a_write,
            "no chain": no_chain,
        }
        results.put(("ready", index, None))
        while (command := commands.get()) is not None:
            way, start_at, stop_at = command
            timings, events = [], 0
            with context.bound(channel="web"):
                while time.monotonic() < start_at:
                    time.sleep(0.001)
                while time.monotonic() < stop_at and not stop.is_set():
                    started = time.perf_counter()
                    events += do[way]()
                    timings.append((time.perf_counter() - started) * 1000)
            results.put(("done", index, (time.monotonic(), timings, events)))
        connection.close()
    except BaseException:
        results.put(("error", index, traceback.format_exc()))


class Writers:
    """A pool of writer processes, started once (spawned: a fresh interpreter each)."""

    def __init__(self, case_ids: list[int]) -> None:
        mp = multiprocessing.get_context("spawn")
        self.results = mp.Queue()
        self.stop = mp.Event()
        self.commands = [mp.Queue() for _ in case_ids]
        self.processes = [
            mp.Process(target=writer, args=(i, case_id, self.commands[i], self.results, self.stop))
            for i, case_id in enumerate(case_ids)
        ]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            self._get("ready")

    def _get(self, kind: str) -> Any:
        got, index, payload = self.results.get(timeout=300)
        if got == "error":
            raise RuntimeError(f"writer {index} failed:\n{payload}")
        assert got == kind, (got, kind)
        return payload

    def start(self, way: str, count: int, seconds: float) -> float:
        self.stop.clear()
        start_at = time.monotonic() + 0.3
        for queue in self.commands[:count]:
            queue.put((way, start_at, start_at + seconds))
        return start_at

    def collect(self, count: int, start_at: float) -> tuple[float, list[float], int]:
        """Wall time from the start to the last writer's end, every operation's latency and
        the events appended."""
        ended, timings, events = start_at, [], 0
        for _ in range(count):
            end, own, appended = self._get("done")
            ended = max(ended, end)
            timings.extend(own)
            events += appended
        return ended - start_at, sorted(timings), events

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=30)


# --- where the writers' sessions wait (PostgreSQL) -----------------------------------------------

WAITS_SQL = """
SELECT state, coalesce(wait_event_type || ':' || wait_event, 'running')
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND backend_type = 'client backend'
"""


def sample_waits(start_at: float, stop_at: float) -> Counter[str]:
    """What the writers' sessions are doing, sampled every 20 ms while they run."""
    from django.db import connection

    samples: Counter[str] = Counter()
    if connection.vendor != "postgresql":
        return samples
    while time.monotonic() < start_at:
        time.sleep(0.005)
    with connection.cursor() as cursor:
        while time.monotonic() < stop_at - 0.05:
            cursor.execute(WAITS_SQL)
            samples.update(f"{state} {wait}" for state, wait in cursor.fetchall())
            time.sleep(0.02)
    return samples


# In own commit and in a write the writers share no row but the chain head, so a lock wait is
# a wait for it (the row lock, or the tuple lock queued behind it).
WAIT_NAMES = {
    "idle Client:ClientRead": "in Python",
    "idle in transaction Client:ClientRead": "in Python inside a transaction",
    "active running": "server working",
    "active Lock:transactionid": "waiting for the chain head",
    "active Lock:tuple": "waiting for the chain head",
    "active IO:WALSync": "flushing WAL",
    "active IO:WALWrite": "writing WAL",
    "active LWLock:WALWrite": "waiting to write WAL",
}


def print_waits(raw: Counter[str]) -> None:
    samples: Counter[str] = Counter()
    for label, n in raw.items():
        samples[WAIT_NAMES.get(label, label)] += n
    total = sum(samples.values())
    if total:
        print(
            "           sessions: "
            + ", ".join(f"{label} {100 * n / total:.0f} %" for label, n in samples.most_common(5))
        )


# --- the chain --------------------------------------------------------------------------------


def chain_state() -> dict[str, Any]:
    from django.db.models import Count, Max

    from samhandling.audit.models import AuditEvent, ChainHead

    counts = AuditEvent.objects.aggregate(
        events=Count("pk"),
        sequences=Count("sequence", distinct=True),
        links=Count("previous_hash", distinct=True),
        last=Max("sequence"),
    )
    head = ChainHead.objects.get(pk=1)
    last = AuditEvent.objects.filter(sequence=counts["last"]).values_list("hash", flat=True)
    counts["head_matches"] = head.sequence == (counts["last"] or 0) and (
        not counts["last"] or head.hash == last.get()
    )
    return counts


def check_chain(before: dict[str, Any], appended: int) -> tuple[bool, str]:
    """The real verifier, and counts that would show a lost event or a fork."""
    from samhandling.audit import services as audit

    after = chain_state()
    started = time.perf_counter()
    result = audit.verify_chain()
    seconds = time.perf_counter() - started
    grown = after["events"] - before["events"]
    no_fork = after["events"] == after["sequences"] == after["links"] == after["last"]
    ok = result.intact and no_fork and after["head_matches"] and grown == appended
    text = (
        f"verify_chain intact={result.intact} ({result.length} events, {seconds:.1f} s); "
        f"{after['events']} events, {after['sequences']} distinct sequences, "
        f"{after['links']} distinct links, head at {after['last']} "
        f"({'matches' if after['head_matches'] else 'DOES NOT match'} the last event); "
        f"grew by {grown}, writers appended {appended}"
    )
    if not result.intact:
        text += f"; first bad {result.first_bad_sequence}: {result.problem}"
    return ok, text


# --- share of request time --------------------------------------------------------------------


class AuditTimer:
    """Time inside the audit service, per request: what the request's own thread spends in it
    (building events, sending them ahead, waiting for them and appending the rest at the
    end), and apart from it how long the events sent ahead were on their way while the page
    rendered, and how much of it the end waited (`services.send_ahead`, PostgreSQL only).

    Wraps the modules' functions in this process only (callers look them up on the module,
    and `record`, `batched` and `_finish` look up the functions they call there too). A
    benchmark's device, never a test's. Calls nested in a timed call are counted in it.
    """

    CALLS = ("record", "record_many", "record_each", "send_ahead", "_finish")
    APPENDS = ("_append_all",)

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.request_thread = threading.get_ident()
        self.reset()

    def reset(self) -> None:
        self.total = self.append = self.cpu = self.ahead = self.ahead_wait = 0.0
        self.sent_at = 0.0
        self.documented = 0
        self.calls = self.events = 0
        self.by_name: dict[str, list[float]] = {}  # name: [ms, calls, events]

    def install(self) -> None:
        from samhandling.audit import ahead, services

        for name in self.CALLS:
            setattr(services, name, self._wrap(getattr(services, name), outer=True))
        for name in self.APPENDS:
            setattr(services, name, self._wrap(getattr(services, name), outer=False))
        send, receive, document_of = ahead.send, ahead.receive, services.batch_document

        def documented(events: list[Any]) -> str:
            self.documented = len(events)  # counted here: parsing the document took 20–50 µs
            return document_of(events)

        def sent(sql: str, document: str) -> Any:
            started = time.perf_counter()
            try:
                return send(sql, document)
            finally:
                self.sent_at = time.perf_counter()
                events = self.documented
                self.calls += 1
                self.events += events
                spent = self.by_name.setdefault("send (ahead, appended while the page renders)",
                                                [0.0, 0, 0])  # fmt: skip
                spent[0] += (self.sent_at - started) * 1000
                spent[1] += 1
                spent[2] += events

        def received(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return receive(*args)
            finally:
                ended = time.perf_counter()
                self.ahead += (ended - self.sent_at) * 1000
                self.ahead_wait += (ended - started) * 1000

        ahead.send, ahead.receive = sent, received
        services.batch_document = documented

    def _wrap(self, func: Callable[..., Any], *, outer: bool) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack: list[str] = self.local.__dict__.setdefault("stack", [])
            within = stack[0] if stack else ""
            stack.append(func.__name__)
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                elapsed = (time.perf_counter() - started) * 1000
                cpu_ms = (time.thread_time() - cpu) * 1000
                stack.pop()
                in_request = threading.get_ident() == self.request_thread
                with self.lock:
                    self._count(func, args, within, in_request, elapsed, cpu_ms, outer=outer)

        return timed

    def _count(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        within: str,
        in_request: bool,
        elapsed: float,
        cpu_ms: float,
        *,
        outer: bool,
    ) -> None:
        # fmt: skip
        if in_request and not within:
            self.total += elapsed
            self.cpu += cpu_ms
        if outer:
            return
        events = len(args[0]) if isinstance(args[0], list) else 1
        if not in_request:
            return  # another thread's request (a test server's)
        self.append += elapsed
        when = "batched, at the end of the request" if within == "_finish" else "at once"
        self.calls += 1
        self.events += events
        spent = self.by_name.setdefault(f"{func.__name__} ({when})", [0.0, 0, 0])
        spent[0] += elapsed
        spent[1] += 1
        spent[2] += events


def case_page_share(client: Any, paths: list[str], timer: AuditTimer) -> dict[str, Any]:
    totals, audits, appends, calls, events, cpus, audit_cpus = [], [], [], [], [], [], []
    aheads, ahead_waits = [], []
    by_name: dict[str, list[float]] = {}
    for path in paths:
        timer.reset()
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        totals.append((time.perf_counter() - started) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
        audit_cpus.append(timer.cpu)
        assert response.status_code == 200, (path, response.status_code)
        audits.append(timer.total)
        appends.append(timer.append)
        aheads.append(timer.ahead)
        ahead_waits.append(timer.ahead_wait)
        calls.append(timer.calls)
        events.append(timer.events)
        for name, (ms, count, evs) in timer.by_name.items():
            spent = by_name.setdefault(name, [0.0, 0, 0])
            spent[0] += ms
            spent[1] += count
            spent[2] += evs
    return {
        "cpu": statistics.mean(cpus),
        "audit_cpu": statistics.mean(audit_cpus),
        "ahead": statistics.mean(aheads),
        "ahead_wait": statistics.mean(ahead_waits),
        "by_name": by_name,
        "total": sorted(totals),
        "audit": sorted(audits),
        "append": sorted(appends),
        "calls": statistics.mean(calls),
        "events": statistics.mean(events),
        "appended": sum(events),
    }


def print_share(label: str, share: dict[str, Any]) -> float:
    audit_mean, total_mean = statistics.mean(share["audit"]), statistics.mean(share["total"])
    print(
        f"    {label}: audit per request: {audit_mean:.2f} ms of {total_mean:.1f} ms "
        f"({100 * audit_mean / total_mean:.1f} %) (means; the request's own thread)\n"
        f"      audit p50 {pct(share['audit'], 0.5):.2f} / p95 {pct(share['audit'], 0.95):.2f} ms"
        f", of it appending {statistics.mean(share['append']):.2f} ms "
        f"({share['events']:.1f} events in {share['calls']:.1f} appends); "
        f"request p50 {pct(share['total'], 0.5):.1f} / p95 {pct(share['total'], 0.95):.1f} ms\n"
        f"      sent ahead and appended while the page rendered: on its way "
        f"{share['ahead']:.2f} ms, of it waited for at the end {share['ahead_wait']:.2f} ms\n"
        f"      CPU time of the request's thread: audit {share['audit_cpu']:.2f} ms of "
        f"{share['cpu']:.1f} ms per request (the database's work included on SQLite, not on "
        "PostgreSQL)"
    )
    for name, (ms, count, events) in share["by_name"].items():
        print(
            f"      {name}: {ms / count:.2f} ms per call, {events / count:.1f} events per call, "
            f"{count / len(share['total']):.1f} calls per request"
        )
    return audit_mean


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    from audit_record import ensure_database

    Path(os.environ["AUDIT_CHECKPOINT_PATH"]).unlink(missing_ok=True)
    ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    import case_pages

    started = time.perf_counter()
    coordinator, mine = case_pages.build(random.Random(24))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_reference (id integer PRIMARY KEY "
            + ("GENERATED ALWAYS AS IDENTITY" if connection.vendor == "postgresql" else "")
            + ", payload text NOT NULL)"
        )
    print(f"audit chain under concurrent writers on {connection.vendor} "
          f"({connection.settings_dict['NAME']})")  # fmt: skip
    print(
        f"  world: {case_pages.CHILDREN} children, {case_pages.OPEN_CASES} open cases "
        f"(built in {time.perf_counter() - started:.1f} s); {SECONDS:g} s per W and way; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    connection.close()  # the writers start from a database nobody holds open
    started = time.perf_counter()
    writers = Writers(mine[: max(WRITERS)])  # the case page is read in the others
    print(f"  {max(WRITERS)} writer processes ready in {time.perf_counter() - started:.1f} s")

    summary: dict[str, dict[int, float]] = {way: {} for way in WAYS}
    chain_ok = True
    try:
        for way in WAYS:
            print(f"  {way}:")
            before = chain_state()
            appended = 0
            for count in WRITERS:
                start_at = writers.start(way, count, SECONDS)
                waits = sample_waits(start_at, start_at + SECONDS)
                seconds, timings, events = writers.collect(count, start_at)
                rate = events / seconds
                summary[way][count] = rate
                if way != "no chain":
                    appended += events
                unit = "rows" if way == "no chain" else "events"
                print(
                    f"    W={count:<2} {events:>6} {unit} in {seconds:.2f} s: "
                    f"{rate:>6.0f} {unit}/s"
                    + (f" ({len(timings) / seconds:.0f} pages/s)" if way == "page batch" else "")
                    + f"; per {PER[way]} p50 {pct(timings, 0.5):.2f}, "
                    f"p95 {pct(timings, 0.95):.2f}, p99 {pct(timings, 0.99):.2f} ms"
                )
                print_waits(waits)
            ok, text = check_chain(before, appended)
            chain_ok = chain_ok and ok
            print(f"    chain {'intact' if ok else 'BROKEN'}: {text}")

        client = Client()
        client.force_login(coordinator)
        pages = mine[max(WRITERS) :]  # with the world's 12 entries each, none added here
        client.get(f"/work/cases/{pages[0]}/")  # warm up templates and the connection
        timer = AuditTimer()
        timer.install()
        paths = [f"/work/cases/{pages[i % len(pages)]}/" for i in range(REQUESTS)]
        print(f"  case page, {REQUESTS} requests as the coordinator:")
        before = chain_state()
        share = case_page_share(client, paths, timer)
        alone = print_share("no writers", share)
        appended = share["appended"]
        start_at = writers.start("page batch", LOAD_WRITERS, 3600)
        while time.monotonic() < start_at:
            time.sleep(0.005)
        share = case_page_share(client, paths, timer)
        writers.stop.set()
        seconds, _timings, events = writers.collect(LOAD_WRITERS, start_at)
        loaded = print_share(f"with {LOAD_WRITERS} writers", share)
        print(f"      (the writers appended {events / seconds:.0f} events/s in page batches)")
        ok, text = check_chain(before, appended + share["appended"] + events)
        chain_ok = chain_ok and ok
        print(f"    chain {'intact' if ok else 'BROKEN'}: {text}")
    finally:
        writers.close()

    print("  summary:")
    for way in WAYS:
        rates = summary[way]
        best = max(rates, key=lambda w: rates[w])
        print(
            f"    {way:<10} events/s by W: "
            + ", ".join(f"{w}: {r:.0f}" for w, r in rates.items())
            + f" (best at W={best}, {rates[best] / rates[1]:.2f}× W=1)"
        )
    print(f"    chain intact after every run: {'yes' if chain_ok else 'NO'}")
    print(f"    load average at the end: {os.getloadavg()[0]:.1f} (2 cores: above 2 is contention)")
    print(
        f"    target < 1 ms of audit per request: no writers {alone:.2f} ms "
        f"({'met' if alone < 1 else 'NOT met'}), with {LOAD_WRITERS} writers {loaded:.2f} ms "
        f"({'met' if loaded < 1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
