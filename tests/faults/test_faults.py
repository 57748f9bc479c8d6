"""Faults that lose nothing (issue 8): a process killed in the middle of a write, the database
going away under load, and background tasks that fail and are run again.

Killed mid-write: the work runs in a process of its own (tests/faults/crash.py: the real
background worker, or the real plan service) against the test database, which it can see
because these tests commit (transaction=True; on SQLite the test database is a file). The
process stops at a chosen statement inside the write, reports what its open transaction holds,
and is killed with SIGKILL. Afterwards nothing is half-written: the tables hold exactly what
they held before, the audit chain verifies, and running the work again completes it.

The figures (faults injected, records lost or half-written) are printed at the end of the
module's run.
"""

from __future__ import annotations

import csv
import datetime
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from psycopg import sql as pg
from tests.conftest import PASSWORD
from tests.faults.failing import describe_person

from samhandling.accounts import tokens
from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.audit.services import verify_chain
from samhandling.config import settings as production
from samhandling.coordination import services as coordination
from samhandling.coordination.models import Goal, Plan
from samhandling.insight import import_tasks, importers
from samhandling.insight.models import ImportBatch, Indicator, Observation, ObservationRevision
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Role
from samhandling.people.models import Person
from samhandling.portal import services as portal
from samhandling.portal.models import DataExport
from samhandling.portal.tasks import build_data_export

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
CRASH = Path(__file__).resolve().parent / "crash.py"
SERVER = Path(__file__).resolve().parent / "server.py"
DATA = BASE_DIR / "src/samhandling/insight/data"
POPULATION = DATA / "no_befolkning_kommune_alder_0_24_2020_2026.csv"
TASKS_ADMIN = "/admin/django_tasks_database/dbtaskresult/"
SHARED = "Came to school every day this week"
UNAVAILABLE = "The service is temporarily unavailable, try again shortly."
KINDS = ("page", "public page", "api", "write")  # the requests of the load
FAULT_TIMEOUT = 120.0


@dataclass
class Tally:
    faults: int = 0  # processes killed inside a write
    outage_requests: int = 0  # requests answered while the database was away
    lost: int = 0  # records lost, changed or half-written, and acknowledged writes missing
    lines: list[str] = field(default_factory=list)

    def killed(self, what: str, lost: int) -> None:
        self.faults += 1
        self.lost += lost
        self.lines.append(f"  killed: {what}: {lost} records lost or half-written")


def differences(before: list[Any], after: list[Any]) -> int:
    """Records that are not as they were: gone, changed or added."""
    return len(set(before) ^ set(after)) + abs(len(before) - len(after))


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    counts = Tally()
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not (counts.faults or counts.outage_requests):
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(
            f"faults ({connection.vendor}): {counts.faults} processes killed inside a write, "
            f"{counts.outage_requests} requests while the database was away; records lost or "
            f"half-written: {counts.lost}"
        )
        for line in counts.lines:
            reporter.write_line(line)


@pytest.fixture(autouse=True)
def _chain() -> None:
    ChainHead.objects.get_or_create(pk=1)  # a transactional test before this one flushed it


# --- processes of their own, on the test database ---------------------------------------------


def database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = quote(settings_dict.get("USER") or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def environment(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AUDIT_CHECKPOINT_PATH": str(settings.AUDIT_CHECKPOINT_PATH),
        **extra,
    }


def run_until_fault(
    tmp_path: Path, *work: str, sql: str, after: int = 1, when: str = "after", probe: str = ""
) -> dict[str, Any]:
    """Runs the work in a process of its own until its fault point, then kills it (SIGKILL).
    Returns what the process reported at the fault point."""
    marker = tmp_path / f"fault-{uuid.uuid4().hex[:8]}.json"
    log = marker.with_suffix(".log")
    env = environment(FAULT_SQL=sql, FAULT_AFTER=str(after), FAULT_WHEN=when,
                      FAULT_PROBE=probe, FAULT_MARKER=str(marker))  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(CRASH), *work], cwd=BASE_DIR, env=env,
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + FAULT_TIMEOUT
        while not marker.exists():
            if process.poll() is not None:
                pytest.fail(f"ended before its fault point: {log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no fault point within {FAULT_TIMEOUT} s: {log.read_text()[-3000:]}")
            time.sleep(0.02)
        state: dict[str, Any] = json.loads(marker.read_text())
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    if state["backend_pid"]:
        _wait_until_gone(state["backend_pid"])
    return state


def _wait_until_gone(backend_pid: int) -> None:
    """PostgreSQL rolls the killed process's transaction back when its backend sees the
    connection closed; wait for that, so that its locks are gone too."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            if not cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    pytest.fail("the killed process's database session did not end")


def run_worker() -> None:
    """`db_worker --batch` in a process of its own: runs every queued task, then stops."""
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(CRASH), "worker"], cwd=BASE_DIR, env=environment(),
        capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def run_again(admin: Client, *results: DBTaskResult) -> None:
    """The administrator's "Run again" in the admin's list of tasks."""
    chosen = [str(result.pk) for result in results]
    response = admin.post(TASKS_ADMIN, {"action": "run_again", ACTION_CHECKBOX_NAME: chosen})
    assert response.status_code == 302, response.content[:500]


def task_statuses() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("status", flat=True))


# --- people and data ----------------------------------------------------------------------------


@pytest.fixture
def administrator(
    skien: Region, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> Client:
    """A system administrator (not a superuser), signed in: the admin is theirs only."""
    it = Organisation.objects.create(
        name="Skien kommune IT", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    user = make_user(it, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True)
    client = signed_in(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def analyst(skien: Region, make_user: Callable[..., User]) -> Actor:
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return actor_for(make_user(administration, Role.ANALYST, username="analyst"))


@pytest.fixture
def population(regions: None) -> Indicator:
    return Indicator.objects.create(
        code="population_by_sex_age", name_nb="Folkemengde", name_en="Population",
        topic="population", unit="count", decimals=0, publisher="SSB", source_table="07459",
        source_codes=["Personer1"],
    )  # fmt: skip


def population_csv(years: set[str], counties: set[str] | None = None, add: int = 0) -> bytes:
    """SSB's population by municipality, sex and age (insight/data) as an import file: one value
    per municipality, year, sex and age 0-24."""
    lines = ["region,period,indicator,value,status,breakdown"]
    with POPULATION.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            code = row["kommunenummer"]
            if row["aar"] not in years or (counties and code[:2] not in counties):
                continue
            for age in range(25):
                value = int(row[f"alder_{age:02d}"]) + add
                lines.append(f"{code},{row['aar']},population_by_sex_age,{value},,"
                             f"{row['kjonn']} {age}")  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def observations() -> list[tuple[Any, ...]]:
    fields = ("indicator_id", "region_id", "period", "breakdown", "value", "status", "note")
    return sorted(Observation.objects.values_list(*fields, "batch_id"))


def born_years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=100)


@pytest.fixture
def case_plan(
    teacher_actor: Actor, make_person: Callable[..., Person], concern_by: Callable[..., Any]
) -> Plan:
    child = make_person("Feil", "Tolerantsen", born=born_years_ago(10))
    return Plan.objects.get(case=concern_by(child))


def plan_state(plan: Plan) -> tuple[Any, ...]:
    return tuple(Plan.objects.filter(pk=plan.pk).values_list(
        "summary", "version", "updated_at", "updated_by_id").get())  # fmt: skip


def audit_rows() -> list[tuple[Any, ...]]:
    return list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash"))


# --- 1. killed in the middle of a write ---------------------------------------------------------


def test_an_import_killed_inside_its_transaction_leaves_nothing_and_a_new_run_completes_it(
    analyst: Actor, population: Indicator, administrator: Client, tmp_path: Path, tally: Tally
) -> None:
    first = importers.load(population_csv({"2026"}, counties={"40"}, add=1), "telemark.csv")
    assert first.ok and first.created == 17 * 3 * 25
    before, revisions = observations(), ObservationRevision.objects.count()
    content = population_csv({"2026"})  # 357 municipalities × 3 × 25 ages: 26,775 values
    result, _rows = importers.validate(content, "population.csv")
    assert result.ok, result.errors[:3]
    values = result.rows
    batch = import_tasks.queue_import(content, "population.csv", by=analyst, result=result)
    queued = DBTaskResult.objects.get()
    count = "SELECT COUNT(*) FROM insight_observation"

    # Killed after the second chunk of 10,000 new values (on PostgreSQL they go in with COPY,
    # so the fault point is the progress written after that chunk).
    written = (r'^INSERT INTO "insight_observation"' if connection.vendor == "sqlite"
               else r'^UPDATE "insight_importbatch" SET progress')  # fmt: skip
    stopped = run_until_fault(tmp_path, "worker", sql=written, after=2, probe=count)
    assert stopped["in_transaction"] and stopped["probe"] == [[len(before) + 20_000]]
    after = observations()
    tally.killed("import, after 20,000 of its values", differences(before, after))
    assert after == before and ObservationRevision.objects.count() == revisions
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.RUNNING and batch.upload is not None
    queued.refresh_from_db()
    assert queued.status == "RUNNING"  # the worker died with it: nothing else notices

    # Run again, and killed as the last statement of the import (the batch's outcome) is sent.
    run_again(administrator, queued)
    outcome = r'^UPDATE "insight_importbatch" SET "file_name"'
    stopped = run_until_fault(tmp_path, "worker", sql=outcome, when="before", probe=count)
    new_values = values - len(before)
    assert stopped["in_transaction"] and stopped["probe"] == [[len(before) + new_values]]
    after = observations()
    tally.killed("import, as its outcome was saved", differences(before, after))
    assert after == before and ObservationRevision.objects.count() == revisions

    # Run again, to the end: every value, each old one kept as a revision.
    run_again(administrator, *DBTaskResult.objects.filter(status="RUNNING"))
    run_worker()
    batch.refresh_from_db()
    assert (batch.state, batch.progress, batch.upload) == (ImportBatch.State.DONE, 100, None)
    assert (batch.rows, batch.created, batch.updated, batch.errors) == (
        values, new_values, len(before), [])  # fmt: skip
    assert Observation.objects.count() == values
    assert ObservationRevision.objects.count() == revisions + len(before)
    assert task_statuses() == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert verify_chain().intact


def test_an_export_killed_while_it_is_built_is_never_ready_half_made_and_a_new_run_completes_it(
    teacher_actor: Actor,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
    administrator: Client,
    tmp_path: Path,
    tally: Tally,
) -> None:
    child = make_person("Eksport", "Barnesen", born=born_years_ago(10))
    case = concern_by(child)
    coordination.add_log_entry(
        case, by=teacher_actor, kind="observation", text=SHARED, family_visible=True
    )
    guardian = actor_for(make_citizen(make_guardian(child)))
    export = portal.request_export(guardian, child, language="en")
    queued = DBTaskResult.objects.get()
    progress = r'^UPDATE "portal_dataexport" SET "status"'

    # Killed after the step that reads the case (its reads are in the audit chain: they
    # happened), and then as the finished export is being stored.
    stopped = run_until_fault(tmp_path, "worker", sql=progress, after=2)
    assert "portal_dataexport" in stopped["statement"]
    export.refresh_from_db()
    assert (export.status, export.content, export.is_available) == ("running", None, False)
    tally.killed("data export, in the middle", int(export.content is not None))
    assert verify_chain().intact

    run_again(administrator, queued)
    stored = r'^UPDATE "portal_dataexport" SET .*"content" = '
    stopped = run_until_fault(tmp_path, "worker", sql=stored, when="before")
    export.refresh_from_db()
    assert (export.status, export.content, export.is_available) == ("running", None, False)
    tally.killed("data export, as it was stored", int(export.content is not None))
    assert verify_chain().intact

    run_again(administrator, *DBTaskResult.objects.filter(status="RUNNING"))
    run_worker()
    export.refresh_from_db()
    assert export.status == "ready" and export.is_available and export.progress == 100
    reference = portal.request_export(guardian, child, language="en")
    assert build_data_export.call(str(reference.pk), "en") == "ready"
    reference.refresh_from_db()
    assert export.content is not None and reference.content is not None
    for part in ("about", "family_relations", "cases"):
        assert export.content[part] == reference.content[part]
    assert [entry["text"] for entry in export.content["cases"][0]["log"]] == [SHARED]
    assert verify_chain().intact


# Every write of a plan save: the text, the version, the audit event (on SQLite before the
# chain's head moves); and of adding a goal: the goal, the version, the audit event.
PLAN_FAULTS = [
    ("plan-summary", r'^UPDATE "coordination_plan" SET "summary"'),
    ("plan-summary", r'^UPDATE "coordination_plan" SET "version"'),
    ("plan-summary", r'INSERT INTO "?audit_auditevent'),
    ("goal", r'^INSERT INTO "coordination_goal"'),
    ("goal", r'^UPDATE "coordination_plan" SET "version"'),
    ("goal", r'INSERT INTO "?audit_auditevent'),
]


def test_a_plan_save_killed_at_any_of_its_writes_leaves_the_old_version_whole(
    case_plan: Plan, tmp_path: Path, tally: Tally
) -> None:
    plan = case_plan
    before = plan_state(plan)
    goals = list(Goal.objects.values_list("pk", "title"))
    events = audit_rows()
    inside = f"SELECT summary, version, (SELECT COUNT(*) FROM coordination_goal) FROM coordination_plan WHERE id = {plan.pk}"  # noqa: S608, E501 - an id
    for work, statement in PLAN_FAULTS:
        text = f"Meets the school nurse weekly ({work})"
        stopped = run_until_fault(tmp_path, work, str(plan.pk), "teacher", text,
                                  str(before[1]), sql=statement, probe=inside)  # fmt: skip
        assert stopped["in_transaction"], stopped
        assert stopped["probe"] != [[before[0], before[1], len(goals)]]  # written, uncommitted
        now = (plan_state(plan), list(Goal.objects.values_list("pk", "title")), audit_rows())
        lost = differences([before, *goals, *events], [now[0], *now[1], *now[2]])
        tally.killed(f"{work}, after {statement}", lost)
        assert now == (before, goals, events)
        assert verify_chain().intact

    # The old version is whole, so the same saves, run again, go through.
    coordination.update_plan_summary(plan, by=actor_for(User.objects.get(username="teacher")),
                                     summary="Meets the school nurse weekly",
                                     expected_version=before[1])  # fmt: skip
    assert plan_state(plan)[:2] == ("Meets the school nurse weekly", before[1] + 1)
    assert verify_chain().intact


# --- 2. the database goes away ------------------------------------------------------------------


@contextmanager
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """The database cannot be reached: the connection is closed and points at a database that
    is not there (a file in a missing directory; a missing PostgreSQL database)."""
    original = connection.settings_dict["NAME"]
    connection.close()
    missing = str(tmp_path / "missing" / "db.sqlite3") if connection.vendor == "sqlite" else (
        f"samhandling_missing_{uuid.uuid4().hex[:8]}")  # fmt: skip
    connection.settings_dict["NAME"] = missing
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def test_pages_and_the_api_answer_503_while_the_database_is_unreachable_and_work_after(
    teacher: User, signed_in: Callable[[User], Client], tmp_path: Path
) -> None:
    signed = Client(raise_request_exception=False)
    signed.cookies = signed_in(teacher).cookies
    signed.cookies["django_language"] = "en"
    visitor = Client(raise_request_exception=False)
    visitor.cookies["django_language"] = "en"
    token = tokens.issue_token(teacher, name="fault test")
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with unreachable_database(tmp_path):
        page = signed.get("/")  # the session and the user are read in a middleware
        public = visitor.get("/knowledge/")  # read in the view
        answer = visitor.get("/api/v1/cases", **api)  # read in the API's authentication
        health = visitor.get("/healthz")
    for response in (page, public):
        assert response.status_code == 503 and response["Retry-After"] == "10"
        assert UNAVAILABLE in response.content.decode()
        assert "no-cache" in response["Cache-Control"]
    assert page["Content-Security-Policy"].startswith("default-src 'self'")
    assert answer.status_code == 503 and answer["Retry-After"] == "10"
    assert answer.json() == {"detail": UNAVAILABLE}
    assert health.status_code == 503

    assert signed.get("/").status_code == 200
    assert visitor.get("/knowledge/").status_code == 200
    assert visitor.get("/api/v1/cases", **api).status_code == 200
    assert visitor.get("/healthz").status_code == 200


@dataclass
class Answer:
    kind: str
    sent: float
    received: float
    status: int
    retry_after: str | None
    body: str


class Browser:
    """A client of the served application, with its own cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:  # fmt: skip
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def sign_in(self, username: str, password: str) -> None:
        _status, _headers, page = self.call("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": token[1]}).encode()  # fmt: skip
        status, _headers, body = self.call(
            "POST", "/accounts/login/", form,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + "/"},
        )  # fmt: skip
        assert status == 302, body[:500]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The application in a server process of its own (one thread, one kept connection)."""
    port_file = tmp_path / "port"
    env = environment(REQUIRE_2FA="false", DEBUG="false", HTTPS="false")
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(SERVER), str(port_file)], cwd=BASE_DIR, env=env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert process.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def postgres_restarting() -> Iterator[Callable[[], None]]:
    """What a restart looks like to the application, for the test database only (the server
    itself serves others): every session is ended and no new one is let in until the restart
    is over (the callable ends it). Never left half done."""
    name = connection.settings_dict["NAME"]
    server = database_url().rsplit("/", 1)[0]
    database = pg.Identifier(name)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:

        def back() -> None:
            admin.execute(pg.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(database))

        try:
            admin.execute(pg.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(database))
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", [name])  # fmt: skip
            deadline = time.monotonic() + 30
            while admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s",
                                [name]).fetchone() != (0,):  # fmt: skip
                assert time.monotonic() < deadline, "the sessions did not end"
                time.sleep(0.01)
            yield back
        finally:
            back()
    connection.close()  # the test's own session was ended too


def test_a_postgresql_restart_under_load_answers_503_then_succeeds_with_nothing_half_written(
    teacher: User, case_plan: Plan, served: str, tally: Tally
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the restart of a database server")

    token = tokens.issue_token(teacher, name="outage test")
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
           "Accept-Language": "en", "Cookie": "django_language=en"}  # fmt: skip
    plan_path = f"/api/v1/cases/{case_plan.case_id}/plan"
    start_version = case_plan.version
    # The server process hashes as production does; the suite's users have a fast test hash.
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        teacher.set_password(PASSWORD)
        teacher.save(update_fields=["password"])
    signed = Browser(served)
    signed.sign_in("teacher", PASSWORD)
    signed.cookies.set_cookie(_cookie("django_language", "en"))
    answers: list[Answer] = []
    created: list[int] = []
    stop = threading.Event()
    lock = threading.Lock()

    def keep(kind: str, sent: float, status: int, headers: dict[str, str], body: str) -> None:
        with lock:
            answers.append(Answer(kind, sent, time.monotonic(), status,
                                  headers.get("Retry-After"), body))  # fmt: skip

    def reader(kind: str, path: str, client: Browser, headers: dict[str, str]) -> None:
        while not stop.is_set():
            sent = time.monotonic()
            keep(kind, sent, *client.call("GET", path, headers=headers))

    def writer() -> None:
        """Adds goals one after another, as a client that keeps the plan's version does."""
        client = Browser(served)
        version = start_version
        number = 0
        while not stop.is_set():
            number += 1
            body = json.dumps({"title": f"Goal {number}", "expected_version": version}).encode()
            sent = time.monotonic()
            status, headers, text = client.call("POST", plan_path + "/goals", body, api)
            keep("write", sent, status, headers, text)
            if status == 201:
                created.append(json.loads(text)["id"])
                version = json.loads(text)["plan_version"]
            elif status in (409, 503):  # someone (maybe that unanswered request) saved first
                status, _headers, text = client.call("GET", plan_path, headers=api)
                if status == 200:
                    version = json.loads(text)["version"]

    visitor = Browser(served)
    visitor.cookies.set_cookie(_cookie("django_language", "en"))
    threads = [
        threading.Thread(target=reader, args=("page", "/", signed, {})),
        threading.Thread(target=reader, args=("public page", "/knowledge/", visitor, {})),
        threading.Thread(target=reader, args=("api", plan_path, Browser(served), api)),
        threading.Thread(target=writer),
    ]

    def answered(since: float, until: float = float("inf"), ok: bool = False) -> bool:
        """Has every kind of request been answered (successfully) at least twice between?"""
        with lock:
            seen = [a.kind for a in answers if since < a.sent and a.received < until
                    and (not ok or a.status in (200, 201))]  # fmt: skip
        return all(seen.count(kind) >= 2 for kind in KINDS)

    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: answered(0, ok=True))  # everything works
        with postgres_restarting() as restarted:
            down = time.monotonic()
            time.sleep(1.5)
            wait_until(lambda: answered(down))  # every kind has met the outage
            up = time.monotonic()
            restarted()
        wait_until(lambda: answered(up + 0.5, ok=True))  # everything works again
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    during = [a for a in answers if a.sent > down and a.received < up]
    after = [a for a in answers if a.sent > up + 0.5]
    tally.outage_requests += len(during)
    assert not [a for a in answers if a.status not in (200, 201, 409, 503)], "not 503"
    assert during and all(a.status == 503 and a.retry_after == "10" for a in during)
    assert all(UNAVAILABLE in a.body for a in during)
    assert {a.kind for a in during} == set(KINDS)
    for kind in KINDS:  # succeeds again after, and keeps succeeding
        assert [a.status for a in after if a.kind == kind][-2:] in ([200] * 2, [201] * 2)

    # Nothing half-written, nothing acknowledged lost: every goal is there with its audit
    # event, and the plan's version moved once per goal.
    goals = list(Goal.objects.filter(plan=case_plan).values_list("pk", flat=True))
    audited = AuditEvent.objects.filter(object_type="coordination.goal", action="create")
    missing = set(created) - set(goals)
    tally.lost += len(missing)
    tally.lines.append(f"  outage: {len(created)} goals acknowledged, {len(goals)} stored, "
                       f"{len(missing)} missing")  # fmt: skip
    assert not missing and len(goals) >= len(created) > 0
    assert sorted(int(pk) for pk in audited.values_list("object_id", flat=True)) == sorted(goals)
    assert Plan.objects.get(pk=case_plan.pk).version == start_version + len(goals)
    assert verify_chain().intact


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the load did not reach the expected state"
        time.sleep(0.05)


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True,
        None, None, {},
    )  # fmt: skip


# --- 3. background tasks: a failure is visible, a run again is safe ----------------------------


def test_a_failed_task_is_recorded_with_its_error_without_personal_data_for_the_administrator(
    make_person: Callable[..., Person],
    administrator: Client,
    teacher: User,
    signed_in: Callable[[User], Client],
) -> None:
    person = make_person("Ingrid", "Feilsen")
    describe_person.enqueue(person.pk)
    run_worker()
    failed = DBTaskResult.objects.get()
    assert failed.status == "FAILED" and failed.exception_class_path == "builtins.ValueError"
    assert "tests/faults/failing.py" in failed.traceback and "ValueError" in failed.traceback
    stored = json.dumps([failed.traceback, failed.args_kwargs, failed.return_value])
    for personal in ("Ingrid", "Feilsen", person.national_id):
        assert personal not in stored

    assert TASKS_ADMIN in administrator.get("/admin/").content.decode()
    listed = administrator.get(TASKS_ADMIN, {"status__exact": "FAILED"})
    assert listed.status_code == 200
    assert "describe_person" in listed.content.decode() and "ValueError" in listed.content.decode()
    shown = administrator.get(f"{TASKS_ADMIN}{failed.pk}/change/").content.decode()
    assert "tests/faults/failing.py" in shown
    assert "Ingrid" not in shown and person.national_id not in shown
    assert signed_in(teacher).get(TASKS_ADMIN).status_code == 302  # to the admin's sign-in

    run_again(administrator, failed)
    assert task_statuses() == ["FAILED", "READY"]
    assert AuditEvent.objects.filter(object_type="django_tasks_database.dbtaskresult",
                                     purpose=f"run again {failed.pk}").exists()  # fmt: skip


def test_running_the_import_and_the_export_task_twice_gives_the_same_result_without_duplicates(
    analyst: Actor,
    population: Indicator,
    make_person: Callable[..., Person],
    concern_by: Callable[..., Any],
    make_guardian: Callable[..., Person],
    make_citizen: Callable[..., User],
) -> None:
    content = population_csv({"2026"}, counties={"40"})
    result, _rows = importers.validate(content, "telemark-2026.csv")
    batch = import_tasks.queue_import(content, "telemark-2026.csv", by=analyst, result=result)
    assert import_tasks.import_upload.call(batch.pk, language="en") == "done"
    imported = observations()
    assert len(imported) == result.rows
    assert import_tasks.import_upload.call(batch.pk, language="en") == "skipped"
    again = import_tasks.queue_import(content, "telemark-2026.csv", by=analyst, result=result)
    assert import_tasks.import_upload.call(again.pk, language="en") == "done"
    again.refresh_from_db()
    assert (again.created, again.updated, again.unchanged) == (0, 0, result.rows)
    assert observations() == imported

    child = make_person("Toganger", "Barnesen", born=born_years_ago(9))
    concern_by(child)
    guardian = actor_for(make_citizen(make_guardian(child)))
    export = portal.request_export(guardian, child, language="en")
    assert build_data_export.call(str(export.pk), "en") == "ready"
    export.refresh_from_db()
    events = AuditEvent.objects.count()
    assert build_data_export.call(str(export.pk), "en") == "skipped"
    assert DataExport.objects.get(pk=export.pk).content == export.content
    assert AuditEvent.objects.count() == events
