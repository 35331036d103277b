"""SqliteAuditLog: joins the caller's transaction, fails closed, checkpoints after commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import (
    InMemoryCheckpointStore,
    JsonlCheckpointStore,
    checkpoint_path_for,
    read_jsonl,
)
from splitbrain.engine.adapters.audit_log import (
    SqliteAuditLog,
    sqlite_entries,
    sqlite_stored_entries,
)
from splitbrain.engine.domain.audit import (
    AuditStateError,
    AuditWriteError,
    VerifyFailure,
    verify,
)
from tests.unit.audit.factories import CHECKPOINT_KEY, KEYS, make_event


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "engine.sqlite"


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY)")
    connection.commit()
    yield connection
    connection.close()


def _log(conn: sqlite3.Connection, db: Path, every: int = 1000) -> SqliteAuditLog:
    store = JsonlCheckpointStore(checkpoint_path_for(db))
    return SqliteAuditLog(conn, store, KEYS, checkpoint_every=every)


def _count(db: Path, table: str) -> int:
    fresh = sqlite3.connect(db)
    try:
        return int(fresh.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        fresh.close()


def test_a_decision_and_its_audit_entry_commit_together(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)

    with conn:
        conn.execute("INSERT INTO decisions VALUES ('d1')")
        entry = log.append(make_event(1))

    assert (_count(db, "decisions"), _count(db, "audit_log")) == (1, 1)
    assert next(log.entries()) == entry


def test_append_does_not_commit_on_its_own(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    conn.commit()

    log.append(make_event(1))

    assert conn.in_transaction
    assert _count(db, "audit_log") == 0


def test_a_rolled_back_entry_leaves_no_gap_in_the_chain(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        log.append(make_event(1))
    log.append(make_event(2))
    conn.rollback()

    with conn:
        again = log.append(make_event(3))

    assert again.seq == 2
    assert log.verify().ok


def test_a_failed_audit_write_fails_the_whole_unit_of_work(
    conn: sqlite3.Connection, db: Path
) -> None:
    log = _log(conn, db)
    conn.execute(
        "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    conn.commit()

    with pytest.raises(AuditWriteError) as info, conn:
        conn.execute("INSERT INTO decisions VALUES ('d1')")
        log.append(make_event(1, correlation_id="corr-77"))

    assert isinstance(info.value.__cause__, sqlite3.Error)
    assert "'write.decide' (correlation corr-77) was not stored" in str(info.value)
    assert "must fail" in str(info.value)
    assert (_count(db, "decisions"), _count(db, "audit_log")) == (0, 0)


def test_a_read_only_database_fails_closed(db: Path, conn: sqlite3.Connection) -> None:
    _log(conn, db)
    conn.commit()
    read_only = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    log = SqliteAuditLog(read_only, InMemoryCheckpointStore(), KEYS)

    with pytest.raises(AuditWriteError, match="readonly"):
        log.append(make_event(1))

    read_only.close()


def test_the_table_refuses_update_and_delete(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        log.append(make_event(1))

    with pytest.raises(sqlite3.IntegrityError, match="append-only: UPDATE refused"):
        conn.execute("UPDATE audit_log SET event = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE refused"):
        conn.execute("DELETE FROM audit_log")

    conn.rollback()
    assert _count(db, "audit_log") == 1


def test_a_checkpoint_inside_an_open_transaction_is_refused(
    conn: sqlite3.Connection, db: Path
) -> None:
    log = _log(conn, db)
    log.append(make_event(1))

    with pytest.raises(AuditStateError, match="commit first"):
        log.checkpoint()


def test_checkpoints_come_every_n_entries_after_commit(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db, every=3)
    written = []

    for i in range(8):
        with conn:
            log.append(make_event(i))
        written.append(log.checkpoint_if_due())

    assert [cp.seq if cp else None for cp in written] == [None, None, 3, None, None, 6, None, None]
    assert [cp.seq for cp in log.checkpoints.all()] == [3, 6]
    assert checkpoint_path_for(db).read_text().count("\n") == 2


def test_checkpoint_on_demand_is_idempotent(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    assert log.checkpoint() is None
    with conn:
        log.append(make_event(1))

    first, second = log.checkpoint(), log.checkpoint()

    assert first is not None and first == second
    assert len(log.checkpoints.all()) == 1


def test_checkpoints_live_in_their_own_file_and_survive_a_new_process(
    conn: sqlite3.Connection, db: Path
) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(5):
            log.append(make_event(i))
    log.checkpoint()

    reopened = JsonlCheckpointStore(checkpoint_path_for(db))

    assert [cp.seq for cp in reopened.all()] == [5]
    assert reopened.latest() == log.checkpoints.latest()
    assert verify(sqlite_entries(conn), reopened.all(), CHECKPOINT_KEY).ok


def test_rows_deleted_behind_the_engines_back_are_caught(
    conn: sqlite3.Connection, db: Path
) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(10):
            log.append(make_event(i))
    log.checkpoint()

    with conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE seq >= 8")

    result = log.verify()
    assert (result.first_bad_seq, result.failure) == (8, VerifyFailure.TRUNCATED)


def test_an_edited_event_column_is_caught_at_its_seq(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(10):
            log.append(make_event(i))

    with conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET event = replace(event, 'usr_4', 'usr_5') WHERE seq = 5")
        conn.execute("UPDATE audit_log SET event = 'not json' WHERE seq = 7")

    result = log.verify()
    assert (result.first_bad_seq, result.failure) == (5, VerifyFailure.HASH_MISMATCH)


def test_an_unparseable_row_is_reported_not_raised(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(4):
            log.append(make_event(i))
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET event = 'not json' WHERE seq = 3")

    unparsed = log.verify()  # rows as stored: the bytes no longer hash
    parsed = verify(sqlite_entries(conn), [], CHECKPOINT_KEY)

    assert (unparsed.first_bad_seq, unparsed.failure) == (3, VerifyFailure.HASH_MISMATCH)
    assert (parsed.first_bad_seq, parsed.failure) == (3, VerifyFailure.MALFORMED_ENTRY)
    assert "not valid UTF-8 JSON" in parsed.detail


def test_a_column_of_the_wrong_type_is_malformed(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(4):
            log.append(make_event(i))
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET hash_version = 'one' WHERE seq = 2")

    result = log.verify()

    assert (result.first_bad_seq, result.failure) == (2, VerifyFailure.MALFORMED_ENTRY)
    assert "must be integers" in result.detail


def test_stored_rows_and_parsed_entries_verify_alike(conn: sqlite3.Connection, db: Path) -> None:
    log = _log(conn, db)
    with conn:
        for i in range(30):
            log.append(make_event(i))
    log.checkpoint()

    assert [s.parse() for s in sqlite_stored_entries(conn)] == list(sqlite_entries(conn))
    assert log.verify() == verify(sqlite_entries(conn), log.checkpoints.all(), CHECKPOINT_KEY)


def test_entries_stream_in_seq_order_and_export_to_jsonl(
    conn: sqlite3.Connection, db: Path, tmp_path: Path
) -> None:
    log = _log(conn, db)
    with conn:
        appended = [log.append(make_event(i)) for i in range(520)]

    count = log.export_jsonl(tmp_path / "audit.jsonl")

    assert count == 520
    assert list(log.entries()) == appended
    assert list(read_jsonl(tmp_path / "audit.jsonl")) == appended


def _file_alone(db: Path, tmp_path: Path) -> int:
    """The audit entries the database file holds without its WAL: what a power loss keeps of
    commits whose WAL frames were never synced (the WAL is copied away, not replayed)."""
    copy = tmp_path / "file-alone.sqlite"
    copy.write_bytes(db.read_bytes())
    fresh = sqlite3.connect(copy)
    try:
        found = fresh.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'").fetchone()
        return int(fresh.execute("SELECT count(*) FROM audit_log").fetchone()[0]) if found else 0
    finally:
        fresh.close()


@pytest.mark.parametrize("level", ["NORMAL", "FULL"])
def test_a_checkpoint_names_only_entries_already_in_the_database_file_below_full(
    db: Path, tmp_path: Path, level: str
) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {level}")
    log = _log(conn, db)
    for n in range(1, 6):
        with conn:
            log.append(make_event(n))

    checkpoint = log.checkpoint()

    assert checkpoint is not None and checkpoint.seq == 5
    # below FULL a commit leaves its frames unsynced in the WAL: the checkpoint first moves
    # them into the (synced) database file; at FULL every commit already synced the WAL
    assert _file_alone(db, tmp_path) == (5 if level == "NORMAL" else 0)
    conn.close()
