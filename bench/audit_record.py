"""Benchmark: the cost of recording one audit event (hash chain included).

    make bench                       # PostgreSQL at 127.0.0.1:5432 (database samhandling_bench)
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/audit_record.py

Starts from an empty database (dropped and created again), then appends events two ways:
- "own commit": each event on its own, committed, as a page that only reads does;
- "in a write": events inside an open transaction, as a service that writes does (the commit
  belongs to the write).
Prints mean, p50, p95 and p99 per event in milliseconds, and verifies the chain afterwards.
Target: < 1 ms per event on PostgreSQL.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "bench-audit-checkpoint.json"))

EVENTS = int(os.environ.get("BENCH_EVENTS", "5000"))


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from samhandling.audit import context
    from samhandling.audit import services as audit

    subject = audit.Subject("people.person", "1", person_id=1, municipality_id=1)

    def timed(batch: bool) -> list[float]:
        timings = []
        with context.bound(channel="web"):
            if batch:
                with transaction.atomic():
                    for _ in range(EVENTS):
                        start = time.perf_counter()
                        audit.record(None, "update", subject, purpose="benchmark")
                        timings.append((time.perf_counter() - start) * 1000)
            else:
                for _ in range(EVENTS):
                    start = time.perf_counter()
                    audit.record(None, "view", subject, purpose="benchmark")
                    timings.append((time.perf_counter() - start) * 1000)
        return sorted(timings)

    def pct(timings: list[float], p: float) -> float:
        return timings[min(len(timings) - 1, int(len(timings) * p))]

    print(f"audit.record on {connection.vendor} ({connection.settings_dict['NAME']})")
    means = []
    for label, batch in (("own commit", False), ("in a write", True)):
        timings = timed(batch)
        means.append(statistics.mean(timings))
        print(
            f"  {label:<11} {EVENTS} events: mean {statistics.mean(timings):.3f} ms, "
            f"p50 {pct(timings, 0.5):.3f}, p95 {pct(timings, 0.95):.3f}, "
            f"p99 {pct(timings, 0.99):.3f} ms"
        )
    started = time.perf_counter()
    result = audit.verify_chain()
    verify_seconds = time.perf_counter() - started
    print(f"  chain verified: {result.intact}, {result.length} events in {verify_seconds:.2f} s")
    print(f"  target < 1 ms per event: {'met' if max(means) < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
