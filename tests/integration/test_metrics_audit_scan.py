"""Audit completeness on ``/metrics`` costs O(new audit entries) per scrape, not O(log).

The scan remembers the last audit seq it checked; a second scrape with nothing new reads no
row, and after more events it reads only theirs. On the in-memory store and on SQLite (where
the read is ``WHERE seq > ?``), and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap, bootstrap_service
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import Write
from splitbrain.engine.entrypoints.metrics import AuditScan
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.model import InboxItem
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineService]:
    store = "memory" if request.param == "memory" else f"sqlite:{tmp_path / 'engine.sqlite'}"
    built = bootstrap_service(matrix=default_matrix(), store=store, endpoints={},
                              actor_roles={"ops": "intake_ops"}, clock=FixedClock(AT),
                              fresh=True)  # fmt: skip
    yield built
    built.close()


def _contacts(service: EngineService, first: int, count: int) -> None:
    for n in range(first, first + count):
        event = {"type": "contact.created", "resource": "Contact", "id": f"c{n}", "version": 1,
                 "actor": "ops", "occurred_at": AT.isoformat(),
                 "record": {"email": f"person{n}@example.org"}}  # fmt: skip
        service.store.receive(
            InboxItem(f"crm:Contact/c{n}@1", "crm", "webhook", json.dumps(event).encode(), AT)
        )
    while service.worker.run_once():
        pass


def test_a_second_scrape_with_no_new_events_reads_no_audit_row(service: EngineService) -> None:
    _contacts(service, 1, 12)
    scan = AuditScan(service.engine)
    logged = len(service.engine.audit_entries())

    first = scan()
    read_once = scan.rows_read
    second = scan()

    assert first == second == 1.0
    assert read_once == logged > 12
    assert scan.rows_read == read_once


def test_a_scrape_after_more_events_reads_only_their_entries(service: EngineService) -> None:
    _contacts(service, 1, 10)
    scan = AuditScan(service.engine)
    scan()
    before_rows, before_log = scan.rows_read, len(service.engine.audit_entries())

    _contacts(service, 11, 3)
    ratio = scan()

    new_entries = len(service.engine.audit_entries()) - before_log
    assert 0 < new_entries < before_log
    assert scan.rows_read - before_rows == new_entries
    assert ratio == 1.0 and scan.decisions == service.engine.metrics().writes_decided


def _email_writes(engine: Engine, first: int, count: int) -> None:
    for n in range(first, first + count):
        engine.ingest(Write(
            idempotency_key=f"crm:c{n}@1:email", source_system="crm", source_record=f"c{n}",
            person=f"per_{n:06d}", field="email", value=f"person{n}@example.org",
            actor="ops", role="intake_ops", base_version=None, occurred_at=AT,
            provenance=Provenance.USER_ENTERED,
        ))  # fmt: skip


@pytest.mark.postgres
def test_on_postgresql_a_scrape_reads_only_the_entries_after_the_last_one_checked(
    postgres_db: str, tmp_path: Path
) -> None:
    engine = bootstrap(store=postgres_db, policy=load_policy(default_matrix()),
                       clock=FixedClock(AT), audit_dir=tmp_path)  # fmt: skip
    try:
        _email_writes(engine, 1, 6)
        scan = AuditScan(engine)
        scan()
        read_once = scan.rows_read
        scan()
        unchanged = scan.rows_read
        _email_writes(engine, 7, 2)
        scan()
    finally:
        engine.close()

    assert read_once >= 6 and unchanged == read_once
    assert 2 <= scan.rows_read - read_once < read_once
    assert scan.decisions == 8
