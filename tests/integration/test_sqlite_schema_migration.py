"""The SQLite store's schema versions: a file written at version 1 (idempotency claims in their
own table) opens at version 2 (claims folded into ``decisions``) with every claim, decision and
audit entry kept."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.sqlite_schema import SCHEMA_VERSION
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import DuplicateDelivery, FieldApplied
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import T0, Writes, small_policy

_AS_VERSION_1 = (
    # the layout version 1 wrote, rebuilt from a version-2 file with the same rows
    "DROP VIEW idempotency_keys",
    """CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        decision_seq INTEGER NOT NULL REFERENCES decisions (seq),
        first_seen INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX idempotency_keys_by_first_seen ON idempotency_keys (first_seen)",
    """INSERT INTO idempotency_keys (key, decision_seq, first_seen)
        SELECT idempotency_key, seq, decided_at FROM decisions WHERE claimed IS NOT NULL""",
    "DROP INDEX decisions_claims",
    "ALTER TABLE decisions DROP COLUMN claimed",
    "PRAGMA user_version = 1",
)


def _open(db: Path, clock: FixedClock, batch_size: int = 1) -> Engine:
    return bootstrap(
        store=f"sqlite:{db}", policy=small_policy(), clock=clock, batch_size=batch_size
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_version_1_file_is_migrated_with_its_claims_decisions_and_audit_chain(
    tmp_path: Path,
) -> None:
    db, writes, clock = tmp_path / "engine.sqlite", Writes(), FixedClock(T0)
    engine = _open(db, clock)
    old = writes("lead_source", "web_form")
    engine.ingest(old)
    engine.ingest(old)  # a duplicate: logged, claims nothing
    engine.ingest(writes("contact_preference", "sms"))
    engine.close()
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in _AS_VERSION_1:
        conn.execute(statement)
    conn.close()
    claims_v1 = _rows(db, "SELECT key, decision_seq, first_seen FROM idempotency_keys ORDER BY 2")

    clock.advance(timedelta(days=31))
    reopened = _open(db, clock, batch_size=4)
    redelivered = reopened.ingest(old)
    fresh = reopened.ingest(writes("lead_source", "referral", base=1))
    purged = reopened.purge_idempotency_keys(timedelta(days=30))
    verified = reopened.verify_audit()
    reopened.close()

    assert _rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert len(claims_v1) == 2
    assert isinstance(redelivered, DuplicateDelivery)
    assert redelivered.first.write == old
    assert isinstance(fresh, FieldApplied)
    assert purged == 2  # the two migrated claims, first seen 31 days ago
    assert _rows(db, "SELECT key FROM idempotency_keys") == [(fresh.write.idempotency_key,)]
    assert _rows(db, "SELECT count(*) FROM decisions") == [(5,)]
    assert verified.ok, verified.message
    assert verified.entries_checked == 6  # 5 decisions and the purge


def test_a_key_has_at_most_one_claiming_decision_and_any_number_of_others(
    tmp_path: Path,
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    engine = _open(db, FixedClock(T0))
    engine.ingest(writes("lead_source", "web_form"))
    engine.close()
    copy = (
        "INSERT INTO decisions (idempotency_key, kind, person, field, rule, manual, override, "
        "decided_at, body, claimed) SELECT idempotency_key, kind, person, field, rule, manual, "
        "override, decided_at, body, ? FROM decisions WHERE seq = 1"
    )
    conn = sqlite3.connect(db, isolation_level=None)

    conn.execute(copy, (None,))  # a duplicate's row: it claims nothing
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(copy, (1,))
    conn.close()
