"""Restoring a backup into an empty database, and checking the result against its manifest.

A restore goes into an empty database only, so that it can never overwrite anything, and then
compares the result with the manifest (row counts, migrations) and verifies the audit chain as
`verify_audit` does, with the manifest's last event as the checkpoint.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader

from samhandling.audit import services as audit

from .backup import (
    KEY_TABLES,
    MANIFEST_FORMAT,
    SUFFIXES,
    VENDOR_NAMES,
    BackupError,
    chain_head,
    client_program,
    database_argument,
    describe,
    describe_target,
    manifest_path,
    os_error_text,
    read_only_uri,
    run_client,
    sha256_of,
    vendor,
)


@dataclass(frozen=True)
class Check:
    subject: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Restoration:
    checks: list[Check]
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(check.ok for check in self.checks)


def read_manifest(backup: Path) -> dict[str, Any]:
    """The manifest beside a backup, once the file is found to be exactly what was written."""
    manifest_file = manifest_path(backup)
    if not backup.is_file():
        raise BackupError(f"there is no backup file at {backup}")
    if not manifest_file.is_file():
        raise BackupError(
            f"the manifest {manifest_file} is missing: without it nothing can be verified"
        )
    try:
        manifest: dict[str, Any] = json.loads(manifest_file.read_text())
        known = manifest.get("format") == MANIFEST_FORMAT and manifest["vendor"] in SUFFIXES
        known = known and all(key in manifest for key in ("sha256", "counts", "audit_chain"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"the manifest {manifest_file} cannot be read: {exc}") from exc
    if not known:
        raise BackupError(f"{manifest_file} is not a manifest of this application's backups")
    if manifest["vendor"] != vendor():
        raise BackupError(
            f"the backup is of a {VENDOR_NAMES[manifest['vendor']]} database, and "
            f"{describe_target()} is not one"
        )
    try:
        digest = sha256_of(backup)
    except OSError as exc:
        raise BackupError(f"could not read the backup: {os_error_text(exc)}") from exc
    if digest != manifest["sha256"]:
        raise BackupError(
            f"{backup} is not the file the manifest describes (its SHA-256 differs): it is "
            "damaged or was changed after the backup"
        )
    return manifest


def ensure_empty_target() -> None:
    """Refuses a target database that holds any table."""
    try:
        tables = connection.introspection.table_names()
        migrations = 0
        if "django_migrations" in tables:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM django_migrations")
                migrations = cursor.fetchone()[0]
    except DatabaseError as exc:
        raise BackupError(f"could not open {describe_target()}: {exc}") from exc
    if tables:
        holds = f"{len(tables)} tables" + (
            f" and {migrations} applied migrations" if migrations else ""
        )
        raise BackupError(
            f"{describe_target()} is not empty: it holds {holds}. A restore goes into an empty "
            "database only, so that it never overwrites anything. Create a new, empty database, "
            "point DATABASE_URL at it and run the restore again"
        )


def restore(backup: Path, manifest: dict[str, Any]) -> None:
    """Restores the backup into the (empty) database DATABASE_URL names."""
    if manifest["vendor"] == "postgresql":
        pg_restore = client_program("pg_restore")
        connection.close()
        run_client(
            [
                pg_restore,
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                *database_argument(),
                str(backup),
            ],
            what="pg_restore",
        )
    else:
        _restore_sqlite(backup)


def _restore_sqlite(backup: Path) -> None:
    connection.close()
    try:
        source = sqlite3.connect(read_only_uri(backup), uri=True)
        try:
            integrity = source.execute("PRAGMA quick_check").fetchone()[0]
            if integrity != "ok":
                raise BackupError(f"the backup file is damaged: {integrity}")
            target = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
            try:
                tables = target.execute(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'view')"
                ).fetchone()[0]
                if tables:  # something wrote to it since the first look
                    raise BackupError(f"{describe_target()} is no longer empty")
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not restore the copy: {exc}") from exc


def verify_restored(manifest: dict[str, Any]) -> Restoration:
    """Compares the restored database with the manifest and verifies its audit chain."""
    connection.close()
    try:
        with connection.cursor() as cursor:
            state = describe(cursor)
            head = chain_head(cursor)
    except DatabaseError as exc:
        return Restoration([Check("database", False, f"cannot be read: {exc}")])
    checks = []
    for name in KEY_TABLES:
        expected, found = manifest["counts"].get(name), state.counts[name]
        label = name.replace("_", " ")
        checks.append(
            Check(label, True, f"{found} rows, as in the backup")
            if found == expected
            else Check(label, False, f"{found} rows, but the backup has {expected}")
        )
    checks.append(_compare_migrations(manifest.get("migrations", {}), state.migrations))
    checks.append(_verify_chain(manifest["audit_chain"]))
    last = state.audit_chain
    if head == (last["sequence"], last["hash"]):
        checks.append(Check("audit chain head", True, f"at event {last['sequence']}, its end"))
    else:
        checks.append(
            Check(
                "audit chain head",
                False,
                f"is {head}, but the chain ends at event "
                f"{last['sequence']}: new events would not link",
            )
        )
    return Restoration(checks, _notes(last))


def _compare_migrations(expected: dict[str, str], found: dict[str, str]) -> Check:
    if expected == found:
        return Check("migrations", True, f"the latest of {len(found)} apps, as in the backup")
    differences = [
        f"{app} {found.get(app, 'none')} (backup: {expected.get(app, 'none')})"
        for app in sorted(set(expected) | set(found))
        if expected.get(app) != found.get(app)
    ]
    return Check("migrations", False, "differ from the backup: " + ", ".join(differences))


def _verify_chain(chain: dict[str, Any]) -> Check:
    """The same walk as `verify_audit`, with the manifest's last event as the checkpoint."""
    with tempfile.TemporaryDirectory() as directory:
        checkpoint = Path(directory) / "manifest-checkpoint.json"
        checkpoint.write_text(json.dumps({"sequence": chain["sequence"], "hash": chain["hash"]}))
        result = audit.verify_chain(checkpoint_path=checkpoint)
    if not result.intact:
        return Check(
            "audit chain", False, f"broken at event {result.first_bad_sequence}: {result.problem}"
        )
    if result.length != chain["sequence"]:
        return Check(
            "audit chain",
            False,
            f"intact, but {result.length} events long; the "
            f"backup's ends at event {chain['sequence']}",
        )
    return Check(
        "audit chain", True, f"intact: {result.length} events, the last one as in the backup"
    )


def _notes(last: dict[str, Any]) -> list[str]:
    """What the operator should know that is not a difference from the backup."""
    notes = []
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    unapplied = [key for key in loader.graph.nodes if key not in loader.applied_migrations]
    if unapplied:
        notes.append(
            f"{len(unapplied)} migrations of this version of the application are not "
            "applied in the restored database: run `manage.py migrate` before starting "
            "it."
        )
    unknown = [key for key in loader.applied_migrations if key not in loader.disk_migrations]
    if unknown:
        notes.append(
            f"The backup holds {len(unknown)} migrations this version of the "
            "application does not know: it comes from a newer version."
        )
    try:
        checkpoint = audit.read_checkpoint()
    except (OSError, ValueError) as exc:
        return [*notes, f"The audit checkpoint file could not be read: {exc}."]
    if checkpoint and checkpoint.get("sequence", 0) > last["sequence"]:
        notes.append(
            f"The audit checkpoint {audit.checkpoint_path()} names event "
            f"{checkpoint['sequence']}; the restored chain ends at event {last['sequence']}. The "
            "events recorded after the backup are not in the restored database, and "
            "`verify_audit` will report them missing until a new checkpoint is written. Keep a "
            "copy of the old checkpoint file as the record of that."
        )
    return notes
