"""Benchmark: the case page and "My work" in a municipality of 10,000 children, 2,000 open cases.

    make bench                    # PostgreSQL (database samhandling_bench) and SQLite
    DATABASE_URL=sqlite:///var/bench-cases.sqlite3 .venv/bin/python bench/case_pages.py

Builds the data set in an empty database (bulk inserts: this is benchmark data, not a
production path), then requests each page through the whole Django stack (middleware, policy,
audit, templates) with the test client, as a coordinator who works in 40 cases. Prints p50 and
p95 in milliseconds. Target: p95 < 100 ms on SQLite and PostgreSQL.
"""

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("REQUIRE_2FA", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "bench-audit-checkpoint.json"))

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "10000"))
OPEN_CASES = int(os.environ.get("BENCH_CASES", "2000"))
ENTRIES_PER_CASE = int(os.environ.get("BENCH_ENTRIES", "12"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))

sys.path.insert(0, str(ROOT / "bench"))
from audit_record import ensure_database  # noqa: E402


def build(rng: random.Random) -> tuple[object, list[int]]:
    from django.core.management import call_command
    from django.utils import timezone

    from samhandling.accounts.models import User
    from samhandling.coordination.models import (
        Case,
        Goal,
        LogEntry,
        Measure,
        Plan,
        TeamMember,
    )
    from samhandling.organisations.models import Membership, Organisation, Region, Role, Sector
    from samhandling.people.identity import synthetic_norwegian_id
    from samhandling.people.models import Person

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    skien = Region.objects.get(country="NO", kind="municipality", code="4003")
    services = {
        sector: Organisation.objects.create(
            name=f"Bench {sector}", kind="service", sector=sector, municipality=skien
        )
        for sector in Sector.values
    }
    coordinator = User.objects.create_user("bench-coordinator", password=None)
    Membership.objects.create(
        user=coordinator, organisation=services[Sector.SCHOOL], role=Role.PROFESSIONAL
    )
    colleagues = []
    for i, sector in enumerate(Sector.values):
        user = User.objects.create_user(f"bench-{i}", password=None)
        Membership.objects.create(user=user, organisation=services[sector], role=Role.PROFESSIONAL)
        colleagues.append((user, services[sector]))
    today = timezone.localdate()
    used: set[str] = set()
    persons = []
    for _ in range(CHILDREN):
        born = today - datetime.timedelta(days=rng.randint(1, 24 * 365))
        number = synthetic_norwegian_id(born, rng)
        while number in used:
            number = synthetic_norwegian_id(born, rng)
        used.add(number)
        persons.append(
            Person(
                given_name="Bench",
                family_name=f"Child{len(persons)}",
                date_of_birth=born,
                national_id=number,
                municipality=skien,
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000)
    persons = list(Person.objects.filter(municipality=skien).order_by("pk"))
    cases = Case.objects.bulk_create(
        [
            Case(
                person=p,
                municipality=skien,
                level=rng.randint(0, 3),
                coordinator=coordinator if i < 40 else colleagues[i % len(colleagues)][0],
                coordinator_service=services[Sector.SCHOOL]
                if i < 40
                else colleagues[i % len(colleagues)][1],
                opened_by=coordinator,
            )
            for i, p in enumerate(rng.sample(persons, OPEN_CASES))
        ],
        batch_size=2000,
    )
    members, entries, plans = [], [], []
    for i, case in enumerate(cases):
        lead_user, lead_service = (
            (coordinator, services[Sector.SCHOOL]) if i < 40 else colleagues[i % len(colleagues)]
        )
        members.append(
            TeamMember(case=case, municipality=skien, organisation=lead_service, user=lead_user)
        )
        other_user, other_service = colleagues[(i + 3) % len(colleagues)]
        members.append(
            TeamMember(case=case, municipality=skien, organisation=other_service, user=other_user)
        )
        plans.append(Plan(case=case, municipality=skien))
        for j in range(ENTRIES_PER_CASE):
            author, service = (lead_user, lead_service) if j % 2 else (other_user, other_service)
            entries.append(
                LogEntry(
                    case=case,
                    municipality=skien,
                    kind="observation",
                    text="Benchmark entry " * 8,
                    occurred_on=today - datetime.timedelta(days=j),
                    author=author,
                    service=service,
                    sector=service.sector,
                )
            )
    TeamMember.objects.bulk_create(members, batch_size=5000)
    LogEntry.objects.bulk_create(entries, batch_size=5000)
    plans = Plan.objects.bulk_create(plans, batch_size=2000)
    goals, measures = [], []
    for plan, case in zip(plans, cases, strict=True):
        goals.append(
            Goal(
                plan=plan,
                municipality=skien,
                title="Benchmark goal",
                service=services[Sector.SCHOOL],
                sector=Sector.SCHOOL,
                created_by=coordinator,
            )
        )
        measures.append(
            Measure(
                plan=plan,
                municipality=skien,
                title="Benchmark measure",
                service=services[Sector.SCHOOL],
                sector=Sector.SCHOOL,
                created_by=coordinator,
                responsible_service=services[Sector.SCHOOL],
                responsible_user=coordinator if case.coordinator_id == coordinator.pk else None,
                starts=today,
                ends=today + datetime.timedelta(days=rng.randint(0, 30)),
            )
        )
    Goal.objects.bulk_create(goals, batch_size=5000)
    Measure.objects.bulk_create(measures, batch_size=5000)
    mine = [c.pk for c in cases[:40]]
    return coordinator, mine


def measure(client: object, paths: list[str]) -> list[float]:
    timings = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return sorted(timings)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    rng = random.Random(24)
    started = time.perf_counter()
    coordinator, mine = build(rng)
    built = time.perf_counter() - started
    client = Client()
    client.force_login(coordinator)
    client.get("/work/")  # warm up templates and connections

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))]

    print(f"case page and my work on {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"  data: {CHILDREN} children, {OPEN_CASES} open cases, "
        f"{OPEN_CASES * ENTRIES_PER_CASE} log entries (built in {built:.1f} s)"
    )
    worst = 0.0
    for label, paths in (
        ("case page", [f"/work/cases/{mine[i % len(mine)]}/" for i in range(REQUESTS)]),
        ("plan page", [f"/work/cases/{mine[i % len(mine)]}/plan/" for i in range(REQUESTS)]),
        ("my work", ["/work/"] * REQUESTS),
    ):
        timings = measure(client, paths)
        worst = max(worst, pct(timings, 0.95))
        print(
            f"  {label:<10} {REQUESTS} requests: p50 {pct(timings, 0.5):.1f} ms, "
            f"p95 {pct(timings, 0.95):.1f} ms, mean {statistics.mean(timings):.1f} ms"
        )
    print(f"  target p95 < 100 ms: {'met' if worst < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
