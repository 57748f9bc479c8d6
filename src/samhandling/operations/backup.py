"""Backups of the whole database, each with a manifest that lets a restore prove the copy.

A backup is one file and a manifest beside it (`<file>.manifest.json`). On PostgreSQL the file
is `pg_dump --format=custom`; on SQLite it is a copy made with SQLite's online backup API. Both
are consistent while the application runs. The manifest holds what was read from the same
snapshot as the file (the latest applied migration per app, the row counts of the key tables,
the audit chain's last event) and the file's SHA-256. Restoring is in restore.py.

Files are written under a temporary name, flushed to disk and renamed, so that a backup that
fails leaves nothing behind; both files are readable by their owner only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection

from samhandling.audit.models import GENESIS_HASH

MANIFEST_FORMAT = "samhandling-backup/1"
MANIFEST_SUFFIX = ".manifest.json"
SUFFIXES = {"postgresql": ".pgdump", "sqlite": ".sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}

# The tables whose row counts a manifest records and a restore compares: name -> model.
KEY_TABLES = {
    "people": "people.Person",
    "cases": "coordination.Case",
    "log_entries": "coordination.LogEntry",
    "consents": "access.Consent",
    "audit_events": "audit.AuditEvent",
}

# Lines of pg_dump's and pg_restore's error output that can quote the data of a row.
QUOTES_DATA = re.compile(r"^\s*(DETAIL|CONTEXT):")


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why in plain words."""


@dataclass(frozen=True)
class DatabaseState:
    """What a manifest records of a database, and a restore compares."""

    migrations: dict[str, str]  # app -> the latest applied migration
    counts: dict[str, int]  # KEY_TABLES name -> rows
    audit_chain: dict[str, Any]  # the last event: {"sequence": n, "hash": h}; 0 and genesis if none


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]


# --- reading a database's state --------------------------------------------------------------


def describe(cursor: Any) -> DatabaseState:
    """Reads the state through a DB-API cursor (Django's, psycopg's or sqlite3's), so that it
    can be read inside a snapshot, or from a copy that Django is not connected to."""
    counts = {}
    for name, label in KEY_TABLES.items():
        table = apps.get_model(label)._meta.db_table
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - a model's own table
        counts[name] = int(cursor.fetchone()[0])
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
    migrations: dict[str, str] = {}
    for app, name in cursor.fetchall():
        migrations[app] = name
    cursor.execute("SELECT sequence, hash FROM audit_auditevent ORDER BY sequence DESC LIMIT 1")
    last = cursor.fetchone()
    chain = (
        {"sequence": int(last[0]), "hash": last[1]}
        if last
        else {"sequence": 0, "hash": GENESIS_HASH}
    )
    return DatabaseState(dict(sorted(migrations.items())), counts, chain)


def chain_head(cursor: Any) -> tuple[int, str] | None:
    cursor.execute("SELECT sequence, hash FROM audit_chainhead WHERE id = 1")
    row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else None


def vendor() -> str:
    if connection.vendor not in SUFFIXES:
        raise BackupError(f"Backups work on PostgreSQL and SQLite, not on {connection.vendor}.")
    return connection.vendor


def describe_target() -> str:
    """The database DATABASE_URL names, in words (never with its password)."""
    settings_dict = connection.settings_dict
    if vendor() == "sqlite":
        return f"SQLite database {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "the local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f'PostgreSQL database "{settings_dict.get("NAME")}" on {host}{port}'


# --- backing up -------------------------------------------------------------------------------


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def back_up(*, output: Path | None = None) -> Backup:
    """Writes a backup of the whole database and its manifest; returns where.

    Without `output`, the file goes to var/backups/ (mode 0700) and is named with the UTC time.
    """
    kind = vendor()
    try:
        if output is None:
            directory = default_directory()
            _make_private_directory(directory)
            directory.chmod(0o700)
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            output = directory / f"samhandling-{stamp}{SUFFIXES[kind]}"
        else:
            output = output.expanduser().absolute()
            _make_private_directory(output.parent)
        manifest_file = manifest_path(output)
        for existing in (output, manifest_file):
            if existing.exists():
                raise BackupError(
                    f"{existing} already exists, and a backup never replaces another file. "
                    "Choose another path."
                )
        with _temporary_beside(output) as partial:
            if kind == "postgresql":
                state, tool = _dump_postgresql(partial)
            else:
                state, tool = _copy_sqlite(partial)
            _fsync(partial)
            manifest = {
                "format": MANIFEST_FORMAT,
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "vendor": kind,
                "tool": tool,
                "file": output.name,
                "size": partial.stat().st_size,
                "sha256": sha256_of(partial),
                "migrations": state.migrations,
                "counts": state.counts,
                "audit_chain": state.audit_chain,
            }
            os.replace(partial, output)
        try:
            _write_private_json(manifest_file, manifest)
        except BaseException:
            output.unlink(missing_ok=True)  # a backup without its manifest is no backup
            raise
        _fsync(output.parent)
    except OSError as exc:
        raise BackupError(f"could not write the backup: {os_error_text(exc)}") from exc
    return Backup(output, manifest_file, manifest)


def _dump_postgresql(target: Path) -> tuple[DatabaseState, str]:
    pg_dump = client_program("pg_dump")
    # The manifest is read in the snapshot that pg_dump then dumps, so that the two agree
    # however much the application writes meanwhile.
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except psycopg.Error as exc:
        raise BackupError(f"could not connect to {describe_target()}: {exc}") from exc
    try:
        cursor = raw.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = describe(cursor)
        run_client(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
                *database_argument(),
            ],
            what="pg_dump",
        )
    except psycopg.Error as exc:
        raise BackupError(f"could not read {describe_target()}: {exc}") from exc
    finally:
        raw.close()
    return state, _version(pg_dump)


def _copy_sqlite(target: Path) -> tuple[DatabaseState, str]:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    source_path = Path(name)
    if not source_path.is_file():
        raise BackupError(f"the database file {source_path} does not exist")
    try:
        source = sqlite3.connect(read_only_uri(source_path), uri=True, timeout=20)
        try:
            copy = sqlite3.connect(target)
            try:
                # One step copies every page in one read transaction: a consistent snapshot,
                # while the application (in WAL mode) goes on reading and writing.
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                state = describe(copy.cursor())
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database: {exc}") from exc
    return state, f"SQLite {sqlite3.sqlite_version}"


# --- files and processes ----------------------------------------------------------------------


def _make_private_directory(directory: Path) -> None:
    """Creates a missing directory readable by its owner only (an existing one is left as is)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextmanager
def _temporary_beside(final: Path) -> Iterator[Path]:
    """A new, empty file (mode 0600) beside `final`; removed, with SQLite's side files, unless
    it was renamed into place."""
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
    finally:
        for leftover in (partial, *(Path(name + end) for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    with _temporary_beside(path) as partial:
        with partial.open("w") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def os_error_text(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def client_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client programs (the server's "
            "major version or newer)"
        )
    return path


def database_argument() -> list[str]:
    name = connection.settings_dict.get("NAME")
    if not name:
        raise BackupError("DATABASE_URL names no database")
    return [f"--dbname={name}"]


def _environment() -> dict[str, str]:
    """libpq's variables for the connection in the settings: the password goes to the program
    in its environment, never on its command line."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    environment = dict(os.environ)
    environment.update({key: str(value) for key, value in values.items() if value})
    environment["PGAPPNAME"] = "samhandling-backup"
    return environment


def run_client(command: list[str], *, what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - a full path and our own arguments, no shell
            command, env=_environment(), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"could not start {what}: {os_error_text(exc)}") from exc
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if not QUOTES_DATA.match(line)]
        said = "\n".join(lines[-20:]).strip()
        if result.returncode < 0:
            stopped = signal.strsignal(-result.returncode) or f"signal {-result.returncode}"
            raise BackupError(f"{what} was stopped: {stopped}. {said}".strip())
        raise BackupError(f"{what} failed (exit status {result.returncode}): {said}")


def _version(program: str) -> str:
    result = subprocess.run(  # noqa: S603 - a full path, no shell
        [program, "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()
