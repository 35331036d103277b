"""The write path keeps the bytes it kept at 512fa9b: audit rows, decision bodies, field states.

``data/write_path_pinned.json`` was written by the engine at 512fa9b for the workload in
``pinned_write_path`` (every decision kind, identifiers that are no codes, a seed, a resolution,
overdue escalations). Every store, at any batch size, must keep the same rows for it, and the
chain written then must verify now (a chain written before a change to the audit encoding
stays verifiable after it).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from splitbrain.engine.adapters.audit_log import create_audit_schema, sqlite_entries
from splitbrain.engine.domain.audit import verify
from tests.integration.pinned_write_path import run_pinned, sqlite_rows
from tests.unit.audit.factories import KEYS

PINNED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "write_path_pinned.json").read_text()
)


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_the_sqlite_store_keeps_the_rows_it_kept_at_512fa9b(
    tmp_path: Path, batch_size: int
) -> None:
    db = tmp_path / "engine.sqlite"

    run = run_pinned(f"sqlite:{db}", batch_size=batch_size)

    assert sqlite_rows(db) == PINNED["sqlite"]
    assert run["states"] == PINNED["states"]


def test_the_memory_store_decides_and_audits_as_the_sqlite_store_did_at_512fa9b() -> None:
    run = run_pinned("memory")

    assert run["audit"] == PINNED["sqlite"]["audit"]
    assert run["decisions"] == PINNED["sqlite"]["decisions"][: len(run["decisions"])]
    assert run["states"] == PINNED["states"]


def _chain_file(path: Path, rows: list[list[Any]]) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    create_audit_schema(conn)
    conn.executemany(
        "INSERT INTO audit_log (seq, hash_version, prev_hash, hash, event) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    return conn


def test_a_chain_written_at_512fa9b_verifies(tmp_path: Path) -> None:
    conn = _chain_file(tmp_path / "old.sqlite", PINNED["sqlite"]["audit"])

    result = verify(sqlite_entries(conn), [], KEYS.checkpoint_key)

    assert result.ok, result
    assert result.entries_checked == len(PINNED["sqlite"]["audit"])


def test_a_byte_changed_in_the_chain_written_at_512fa9b_is_found(tmp_path: Path) -> None:
    rows = [list(row) for row in PINNED["sqlite"]["audit"]]
    rows[40][4] = rows[40][4].replace('"outcome":"', '"outcome":"x', 1)
    conn = _chain_file(tmp_path / "old.sqlite", rows)

    result = verify(sqlite_entries(conn), [], KEYS.checkpoint_key)

    assert not result.ok
    assert result.first_bad_seq == 41
