"""The keys file and the checkpoint file: created safely, read strictly, never leaking keys."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_keys,
    load_or_create_keys,
)
from splitbrain.engine.domain.audit import AuditKeyError, MalformedCheckpointError, sign_checkpoint
from tests.unit.audit.factories import CHECKPOINT_KEY, build_chain


def test_files_sit_beside_the_database(tmp_path: Path) -> None:
    db = tmp_path / "engine.sqlite"

    assert checkpoint_path_for(db) == tmp_path / "engine.sqlite.checkpoints.jsonl"
    assert keys_path_for(db) == tmp_path / "engine.sqlite.keys.json"


def test_keys_are_created_once_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite.keys.json"

    created = load_or_create_keys(path)
    again = load_or_create_keys(path)

    assert created.fingerprint_key == again.fingerprint_key
    assert created.checkpoint_key == again.checkpoint_key
    assert created.fingerprint_key != created.checkpoint_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_missing_keys_file_names_itself_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(AuditKeyError, match=r"missing\.json does not exist; pass --key-file"):
        load_keys(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("nope", "is not JSON"),
        ('{"fingerprint_key": "00"}', 'lacks "format"'),
        ('{"format": "splitbrain.audit-keys/1", "checkpoint_key": "00"}', "has no fingerprint_key"),
        (
            '{"format": "splitbrain.audit-keys/1", "fingerprint_key": "zz", "checkpoint_key": ""}',
            "fingerprint_key is not hex",
        ),
        (
            '{"format": "splitbrain.audit-keys/1", "fingerprint_key": "", "checkpoint_key": ""}',
            "at least 32 random bytes",
        ),
    ],
)
def test_a_bad_keys_file_is_refused_naming_the_file(tmp_path: Path, body: str, why: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(body)

    with pytest.raises(AuditKeyError) as info:
        load_keys(path)

    assert str(path) in str(info.value) and why in str(info.value)


def test_a_secret_never_appears_in_a_key_error(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    secret = "ab" * 32
    path.write_text(
        json.dumps(
            {
                "format": "splitbrain.audit-keys/1",
                "fingerprint_key": secret,
                "checkpoint_key": secret,
            }
        )
    )

    with pytest.raises(AuditKeyError, match="generate two keys") as info:
        load_keys(path)

    assert secret not in str(info.value)


def test_the_checkpoint_file_appends_one_line_per_checkpoint(tmp_path: Path) -> None:
    entries = build_chain(3)
    store = JsonlCheckpointStore(tmp_path / "cp.jsonl")

    for entry in entries:
        store.append(sign_checkpoint(entry, CHECKPOINT_KEY))

    assert [cp.seq for cp in store.all()] == [1, 2, 3]
    assert JsonlCheckpointStore(tmp_path / "cp.jsonl").latest() == store.all()[-1]
    assert JsonlCheckpointStore(tmp_path / "absent.jsonl").all() == []


def test_a_damaged_checkpoint_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cp.jsonl"
    store = JsonlCheckpointStore(path)
    store.append(sign_checkpoint(build_chain(1)[0], CHECKPOINT_KEY))
    with path.open("a") as out:
        out.write("garbage\n")

    with pytest.raises(MalformedCheckpointError, match="line 2"):
        JsonlCheckpointStore(path).all()
