"""Backup and restore (docs/operations.md): a backup restores into an empty database with every
person, case, log entry and consent and an intact audit chain, and nothing is ever overwritten.

pg_dump and the restores run in other processes, which cannot see a test's transaction, so the
data lives in databases of its own: a copy of the test database with the demo seeded into it
once for the module, and new, empty databases to restore into (on PostgreSQL created on the
same server and dropped afterwards, on SQLite new files). The commands run as an operator runs
them, `manage.py …` in a subprocess with DATABASE_URL naming the database, except where the
target is the test database itself. The test database is never written to.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from samhandling.access.models import Consent
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.coordination.models import Case, LogEntry
from samhandling.organisations.models import Region
from samhandling.people.models import Person

# The tests never write to the test database (it is the template of the others), but they must
# ask for it, or pytest-django creates none.
pytestmark = pytest.mark.django_db

# What must come back: every row of these tables, field for field.
TABLES = [
    Person._meta.db_table,
    Case._meta.db_table,
    LogEntry._meta.db_table,
    Consent._meta.db_table,
    Consent.services.through._meta.db_table,
    Consent.professionals.through._meta.db_table,
    AuditEvent._meta.db_table,
    ChainHead._meta.db_table,
]

# The application at work: it records audit events, one transaction each, until told to stop.
WRITER = """
import pathlib, time
from samhandling.audit import services
deadline = time.monotonic() + 60
while not pathlib.Path({stop!r}).exists() and time.monotonic() < deadline:
    services.record(None, "view", services.Subject("operations.test", "1"))
"""


@dataclass(frozen=True)
class Source:
    """The seeded test database and the backup of it that `manage.py backup` wrote."""

    url: str
    backup: Path
    manifest: dict[str, Any]
    rows: dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Restored:
    url: str
    output: subprocess.CompletedProcess[str]


# --- databases by URL, through connections of the tests' own ----------------------------------


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:///")


def database_url(settings_dict: dict[str, Any]) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = quote(settings_dict.get("USER") or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def connect(url: str) -> Any:
    if is_sqlite(url):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    return psycopg.connect(url)


def query(url: str, sql_text: str) -> list[tuple[Any, ...]]:
    db = connect(url)
    try:
        return [tuple(row) for row in db.execute(sql_text).fetchall()]
    finally:
        db.close()


def read_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    return {table: query(url, f'SELECT * FROM "{table}" ORDER BY id') for table in TABLES}  # noqa: S608


def table_count(url: str) -> int:
    if is_sqlite(url):
        return query(url, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")[0][0]
    return query(url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")[0][0]


def audit_events_in(url: str) -> int:
    return query(url, "SELECT COUNT(*) FROM audit_auditevent")[0][0]


def edit_audit_event(url: str, sequence: int) -> None:
    """Changes an event behind the application's back, as someone with database access could."""
    db = connect(url)
    try:
        if is_sqlite(url):
            db.execute("UPDATE audit_auditevent SET purpose = 'covered up' WHERE sequence = ?",
                       (sequence,))  # fmt: skip
        else:
            db.execute("SET session_replication_role = replica")  # switches the trigger off
            db.execute("UPDATE audit_auditevent SET purpose = 'covered up' WHERE sequence = %s",
                       (sequence,))  # fmt: skip
        db.commit()
    finally:
        db.close()


# --- the commands as an operator runs them -----------------------------------------------------


def environment(database_url: str, env: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AUDIT_CHECKPOINT_PATH": str(Path(settings.AUDIT_CHECKPOINT_PATH)),
        **(env or {}),
    }


def manage(
    *args: str, database_url: str, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """`manage.py …` against the database the URL names."""
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        cwd=settings.BASE_DIR,
        env=environment(database_url, env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
        check=False,
        **kwargs,
    )


# --- fixtures ---------------------------------------------------------------------------------


class Databases:
    """New databases: files in a temporary directory, or databases on the PostgreSQL server of
    the test database (each dropped at the end)."""

    def __init__(self, test_database: str, directory: Path) -> None:
        self.test_database = test_database
        self.server = test_database.rsplit("/", 1)[0]
        self.sqlite = is_sqlite(test_database)
        self.directory = directory
        self.created: list[str] = []

    def empty(self) -> str:
        return self._new()

    def copy_of(self, url: str) -> str:
        """A copy of a database no one is connected to."""
        if self.sqlite:
            copy = self._new()
            original, target = connect(url), connect(copy)
            original.backup(target)
            original.close()
            target.close()
            return copy
        return self._new(template=url.rsplit("/", 1)[1])

    def _new(self, template: str = "") -> str:
        if self.sqlite:
            return f"sqlite:///{self.directory / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        name = f"samhandling_restore_{uuid.uuid4().hex[:12]}"
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
            admin.execute(create)
        self.created.append(name)
        return f"{self.server}/{name}"

    def drop_all(self) -> None:
        if not self.created:
            return
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as admin:
            for name in self.created:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                admin.execute(drop.format(sql.Identifier(name)))


def _test_database(django_db_blocker: Any) -> str:
    """The migrated test database, with its reference data, and no connection left open to it
    (PostgreSQL copies a template only then)."""
    with django_db_blocker.unblock():
        if Region.objects.count() < 380:  # a transactional test flushed the database
            call_command("load_regions", stdout=io.StringIO())
        ChainHead.objects.get_or_create(pk=1)
        url = database_url(connection.settings_dict)
        connection.close()
    return url


@pytest.fixture(scope="module")
def module_databases(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    databases = Databases(_test_database(django_db_blocker), tmp_path_factory.mktemp("dbs"))
    yield databases
    databases.drop_all()


@pytest.fixture
def databases(module_databases: Databases, tmp_path: Path) -> Iterator[Databases]:
    databases = Databases(module_databases.test_database, tmp_path)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def source(module_databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A copy of the test database with the demo in it, and its backup in var/backups/."""
    url = module_databases.copy_of(module_databases.test_database)
    seeded = manage("seed_demo", "--skip-checks", database_url=url)
    assert seeded.returncode == 0, seeded.stderr
    var = tmp_path_factory.mktemp("var")
    taken = manage("backup", database_url=url, env={"VAR_DIR": str(var)})
    assert taken.returncode == 0, taken.stderr
    backup = Path(re.search(r"Backup written to (\S+)", taken.stdout)[1])  # type: ignore[index]
    manifest = json.loads(backup.with_name(backup.name + ".manifest.json").read_text())
    return Source(url, backup, manifest, read_rows(url))


@pytest.fixture(scope="module")
def restored(source: Source, module_databases: Databases) -> Restored:
    """The backup, restored with `manage.py restore` into a new, empty database."""
    url = module_databases.empty()
    return Restored(url, manage("restore", str(source.backup), "--yes", database_url=url))


# --- tests ------------------------------------------------------------------------------------


def test_a_backup_restores_into_an_empty_database_with_every_record_and_an_intact_chain(
    source: Source, restored: Restored
) -> None:
    assert all(source.rows[table] for table in TABLES if "professionals" not in table)

    assert restored.output.returncode == 0, restored.output.stdout + restored.output.stderr
    people = len(source.rows[Person._meta.db_table])
    assert f"people: {people} rows, as in the backup" in restored.output.stdout
    assert "Restore verified" in restored.output.stdout
    assert read_rows(restored.url) == source.rows  # every person, case, entry, consent, event
    verified = manage("verify_audit", "--skip-checks", database_url=restored.url)
    assert verified.returncode == 0, verified.stderr
    events = len(source.rows[AuditEvent._meta.db_table])
    assert f"Audit chain intact: {events} events." in verified.stdout


def test_the_manifest_describes_what_the_backup_holds(source: Source) -> None:
    rows, manifest = source.rows, source.manifest
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"] == {
        "people": len(rows[Person._meta.db_table]),
        "cases": len(rows[Case._meta.db_table]),
        "log_entries": len(rows[LogEntry._meta.db_table]),
        "consents": len(rows[Consent._meta.db_table]),
        "audit_events": len(rows[AuditEvent._meta.db_table]),
    }
    chain = f'SELECT sequence, hash FROM "{AuditEvent._meta.db_table}"'  # noqa: S608
    hashes = dict(
        query(source.url, chain)
    )  # by name: SQLite moves a column that a migration alters
    assert manifest["audit_chain"] == {"sequence": max(hashes), "hash": hashes[max(hashes)]}
    assert manifest["migrations"]["audit"] == "0003_fewer_indexes"


def test_backup_files_are_named_with_the_utc_time_and_readable_by_their_owner_only(
    source: Source,
) -> None:
    suffix = ".pgdump" if connection.vendor == "postgresql" else ".sqlite3"
    assert re.fullmatch(rf"samhandling-\d{{8}}T\d{{6}}Z{re.escape(suffix)}", source.backup.name)
    manifest = source.backup.with_name(source.backup.name + ".manifest.json")
    assert source.backup.stat().st_mode & 0o777 == 0o600
    assert manifest.stat().st_mode & 0o777 == 0o600
    assert source.backup.parent.name == "backups"
    assert source.backup.parent.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in source.backup.parent.iterdir()) == sorted(
        [source.backup.name, manifest.name]
    )


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(source: Source) -> None:
    refused = manage("restore", str(source.backup), "--yes", database_url=source.url)

    assert refused.returncode == 1
    assert "Restore refused, nothing was changed" in refused.stderr
    assert "is not empty" in refused.stderr
    assert read_rows(source.url) == source.rows


def test_a_damaged_backup_file_is_refused_before_anything_is_restored(
    source: Source, tmp_path: Path
) -> None:
    damaged = tmp_path / source.backup.name
    content = bytearray(source.backup.read_bytes())
    content[len(content) // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))
    manifest = source.backup.name + ".manifest.json"
    (tmp_path / manifest).write_bytes(source.backup.with_name(manifest).read_bytes())

    with pytest.raises(CommandError, match="SHA-256 differs"):
        call_command("restore", str(damaged), "--yes", stdout=io.StringIO())


def test_restore_asks_first_and_without_a_yes_changes_nothing(
    source: Source, databases: Databases
) -> None:
    target = databases.empty()

    cancelled = manage("restore", str(source.backup), database_url=target)

    assert cancelled.returncode == 1
    assert "Type 'yes' to restore" in cancelled.stdout
    assert "Restore cancelled, nothing was changed" in cancelled.stderr
    assert table_count(target) == 0


def test_restore_says_when_the_audit_checkpoint_names_events_after_the_backup(
    source: Source, databases: Databases
) -> None:
    last = source.manifest["audit_chain"]["sequence"]
    Path(settings.AUDIT_CHECKPOINT_PATH).write_text(
        json.dumps({"sequence": last + 5, "hash": "f" * 64, "written_at": "2026-01-01T03:00:00"})
    )

    restored = manage("restore", str(source.backup), "--yes", database_url=databases.empty())

    assert restored.returncode == 0, restored.stderr  # the backup itself is intact
    assert f"names event {last + 5}; the restored chain ends at event {last}" in restored.stdout


def test_an_edited_audit_event_is_found_in_a_restored_copy_and_in_a_backup_of_it(
    restored: Restored, databases: Databases, tmp_path: Path
) -> None:
    copy = databases.copy_of(restored.url)
    edit_audit_event(copy, sequence=7)

    verified = manage("verify_audit", "--skip-checks", database_url=copy)
    assert verified.returncode == 1
    assert "broken at event 7" in verified.stderr
    assert "altered" in verified.stderr

    # A backup of the edited copy is a tampered backup: restoring it fails its verification.
    tampered = tmp_path / "tampered.backup"
    assert manage("backup", "-o", str(tampered), database_url=copy).returncode == 0
    again = manage("restore", str(tampered), "--yes", database_url=databases.empty())
    assert again.returncode == 1
    assert "DIFFERS audit chain: broken at event 7" in again.stdout
    assert "do not put it into service" in again.stderr


def test_a_backup_taken_while_the_application_writes_is_consistent(
    restored: Restored, databases: Databases, tmp_path: Path
) -> None:
    live = databases.copy_of(restored.url)
    before = audit_events_in(live)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(  # noqa: S603
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-c",
         WRITER.format(stop=str(stop))],
        cwd=settings.BASE_DIR, env=environment(live), stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while audit_events_in(live) == before and time.monotonic() < deadline:
            assert writer.poll() is None, "the writer stopped"
            time.sleep(0.1)
        taken = manage("backup", "-o", str(tmp_path / "live.backup"), database_url=live)
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert taken.returncode == 0, taken.stderr
    in_backup = json.loads((tmp_path / "live.backup.manifest.json").read_text())["counts"]
    # Events were written before the snapshot and after it, while the backup ran.
    assert before < in_backup["audit_events"] < audit_events_in(live)

    again = manage("restore", str(tmp_path / "live.backup"), "--yes",
                   database_url=databases.empty())  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"audit events: {in_backup['audit_events']} rows, as in the backup" in again.stdout
    assert "audit chain: intact" in again.stdout


def _limit_file_size() -> None:
    """Runs in the child: files cannot grow past 64 KiB, as on a disk that is full."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_backup_that_cannot_be_written_fails_and_leaves_no_file(
    source: Source, tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    out.mkdir()

    failed = manage("backup", "-o", str(out / "full.backup"), database_url=source.url,
                    preexec_fn=_limit_file_size)  # fmt: skip

    assert failed.returncode == 1
    assert "Backup failed, and no backup file was left" in failed.stderr
    assert list(out.iterdir()) == []


@pytest.mark.postgres
def test_without_pg_dump_a_backup_fails_with_a_clear_message(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))  # no programs at all

    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        call_command("backup", "-o", str(tmp_path / "x.pgdump"), stdout=io.StringIO())

    assert list(tmp_path.iterdir()) == []
