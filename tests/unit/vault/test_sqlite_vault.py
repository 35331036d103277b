"""The SQLite vault: durable tokens, its keyring and audit files beside it, mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.vault import Vault, open_sqlite_vault
from splitbrain.engine.adapters.vault_keys import (
    keyring_path_for,
    load_keyring,
    load_or_create_keyring,
    save_keyring,
)
from splitbrain.engine.adapters.vault_store import SqliteVaultStore
from splitbrain.engine.domain.tokens import KeyringInvalid, parse_token
from splitbrain.engine.service_layer.clock import FixedClock
from tests.unit.vault.builders import CARE_TEAM, KEY_2, RING, START

NAME = "Zorblax Quennefield"


def _close(vault: Vault) -> None:
    assert isinstance(vault.store, SqliteVaultStore)
    vault.store.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tokens_survive_a_reopen_and_keep_their_hmac_form(tmp_path: Path) -> None:
    db = tmp_path / "vault.sqlite"
    vault = open_sqlite_vault(db, FixedClock(START))
    token = vault.tokenize("patient", NAME)
    _close(vault)

    reopened = open_sqlite_vault(db, FixedClock(START))

    assert reopened.resolve(token, CARE_TEAM) == NAME
    assert reopened.tokenize("patient", NAME) == token
    _close(reopened)


def test_the_keyring_and_audit_keys_sit_beside_the_store_with_mode_0600(tmp_path: Path) -> None:
    db = tmp_path / "vault.sqlite"

    _close(open_sqlite_vault(db, FixedClock(START)))

    assert _mode(keyring_path_for(db)) == 0o600
    assert keyring_path_for(db).name == "vault.sqlite.token-keys.json"
    assert _mode(db.with_name("vault.sqlite.keys.json")) == 0o600
    assert _mode(db) == 0o600


def test_rotation_is_persisted_and_old_tokens_resolve_after_a_reopen(tmp_path: Path) -> None:
    db = tmp_path / "vault.sqlite"
    vault = open_sqlite_vault(db, FixedClock(START))
    old = vault.tokenize("patient", NAME)
    vault.rotate(KEY_2)
    _close(vault)

    reopened = open_sqlite_vault(db, FixedClock(START))

    assert reopened.key_id == "k2"
    assert parse_token(reopened.tokenize("patient", NAME)).key_id == "k2"
    assert reopened.resolve(old, CARE_TEAM) == NAME
    assert _mode(keyring_path_for(db)) == 0o600
    _close(reopened)


def test_each_resolution_commits_with_its_audit_entry_and_the_chain_verifies(
    tmp_path: Path,
) -> None:
    db = tmp_path / "vault.sqlite"
    vault = open_sqlite_vault(db, FixedClock(START), checkpoint_every=1)
    token = vault.tokenize("patient", NAME)
    vault.resolve(token, CARE_TEAM)
    assert isinstance(vault.audit, SqliteAuditLog)

    assert not vault.audit.conn.in_transaction
    assert [e.event.action for e in vault.audit.entries()] == ["token.resolve"]
    assert vault.audit.verify().ok
    assert NAME not in db.with_name("vault.sqlite.checkpoints.jsonl").read_text()
    _close(vault)


def test_reindex_in_sqlite_is_idempotent(tmp_path: Path) -> None:
    vault = open_sqlite_vault(tmp_path / "vault.sqlite", FixedClock(START))
    for i in range(5):
        vault.tokenize("patient", f"per_{i}")
    vault.rotate(KEY_2)

    first, second = vault.reindex(), vault.reindex()

    assert (first.created, second.created) == (5, 0)
    assert first.pairs == second.pairs
    _close(vault)


def test_a_broken_keyring_file_names_the_file_never_a_key(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite.token-keys.json"
    save_keyring(path, RING)
    text = path.read_text().replace('"k1"', '"key1"', 1)
    path.write_text(text)

    with pytest.raises(KeyringInvalid) as caught:
        load_keyring(path)

    assert str(path) in str(caught.value)
    assert RING.secret("k1").hex() not in str(caught.value)


def test_load_or_create_keyring_creates_once_then_loads(tmp_path: Path) -> None:
    path = tmp_path / "k.json"

    first = load_or_create_keyring(path)
    second = load_or_create_keyring(path)

    assert first.current == "k1"
    assert first.secret("k1") == second.secret("k1")
