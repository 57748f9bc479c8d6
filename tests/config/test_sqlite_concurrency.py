"""SQLite runs in WAL mode with immediate transactions, so concurrent writers wait, not fail."""

import threading

import pytest
from django.db import connection, connections, transaction

from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_sqlite_uses_wal_and_immediate_transactions() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_all_succeed_and_the_chain_stays_intact() -> None:
    from samhandling.audit.models import ChainHead

    ChainHead.objects.get_or_create(pk=1)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(20):
                with transaction.atomic():
                    audit.record(None, "view", audit.Subject("test.object", "1"))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 80
    assert audit.verify_chain().intact
