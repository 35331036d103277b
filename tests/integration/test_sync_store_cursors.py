"""Reconciliation's cursors, the same claims on every store: where each change feed was read up
to survives as the store does, and a version-1 SQLite file gains the table when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.service_layer.sync.ports import SyncStore
from tests.integration.test_sync_store import store

__all__ = ["store"]


def test_a_feed_never_read_has_no_cursor(store: SyncStore) -> None:
    assert store.cursor("crm:changes") is None


def test_a_cursor_is_kept_per_feed_and_replaced_by_the_next(store: SyncStore) -> None:
    store.set_cursor("crm:changes", "12")
    store.set_cursor("ehr:Patient/_history", "3")

    store.set_cursor("crm:changes", "40")

    assert (store.cursor("crm:changes"), store.cursor("ehr:Patient/_history")) == ("40", "3")


def test_a_sqlite_cursor_survives_a_restart(tmp_path: Path) -> None:
    first = SqliteSyncStore.open(tmp_path / "engine.sqlite")
    first.set_cursor("portal:changes", "7")
    first.close()

    again = SqliteSyncStore.open(tmp_path / "engine.sqlite")

    assert again.cursor("portal:changes") == "7"
    again.close()


def test_a_version_1_file_without_the_cursor_table_gains_it(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    SqliteSyncStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE sync_cursors")

    reopened = SqliteSyncStore.open(path)
    reopened.set_cursor("crm:changes", "1")

    assert reopened.cursor("crm:changes") == "1"
    reopened.close()
