"""`splitbrain audit verify|export`: exit 0 intact, 1 naming the first bad seq, 2 bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli.audit import app
from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_or_create_keys,
    read_jsonl,
)
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from tests.unit.audit.factories import CANARY_VALUES, make_event

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "engine.sqlite"
    conn = sqlite3.connect(path)
    log = SqliteAuditLog(
        conn,
        JsonlCheckpointStore(checkpoint_path_for(path)),
        load_or_create_keys(keys_path_for(path)),
        checkpoint_every=10,
    )
    for batch in (range(10), range(10, 20), range(20, 25)):
        with conn:
            for i in batch:
                log.append(make_event(i))
        log.checkpoint_if_due()  # at 10 and 20; 21..25 stay unanchored
    conn.close()
    return path


def _tamper(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        conn.execute(sql)
    conn.close()


def test_an_intact_log_exits_0(db: Path) -> None:
    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 0, result.output
    assert "intact: 25 entries (seq 1..25), 2 checkpoints matched, last at seq 20" in result.stdout


def test_an_edited_entry_exits_1_naming_its_seq_and_reason(db: Path) -> None:
    _tamper(db, "UPDATE audit_log SET event = replace(event, 'usr_0', 'usr_1') WHERE seq = 15")

    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 1
    assert "broken at seq 15 (hash_mismatch)" in result.stdout


def test_a_bit_flipped_on_disk_is_caught_at_its_seq(db: Path) -> None:
    data = bytearray(db.read_bytes())
    at = data.index(b'"correlation_id":"corr-7"') + len(b'"correlation_id":"corr-')
    data[at] ^= 0x01  # '7' -> '6' in the stored event of seq 8
    db.write_bytes(bytes(data))

    fast = runner.invoke(app, ["verify", str(db)])
    deep = runner.invoke(app, ["verify", str(db), "--deep"])

    assert (fast.exit_code, deep.exit_code) == (1, 1)
    assert "broken at seq 8 (hash_mismatch)" in fast.stdout
    assert "broken at seq 8 (hash_mismatch)" in deep.stdout


def test_deep_verify_names_an_unparseable_event(db: Path) -> None:
    _tamper(db, "UPDATE audit_log SET event = '{' WHERE seq = 4")

    result = runner.invoke(app, ["verify", str(db), "--deep"])

    assert result.exit_code == 1
    assert "broken at seq 4 (malformed_entry)" in result.stdout


def test_a_truncated_log_exits_1_as_truncated(db: Path) -> None:
    _tamper(db, "DELETE FROM audit_log WHERE seq > 12")

    result = runner.invoke(app, ["verify", str(db), "--format", "json"])

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (report["ok"], report["first_bad_seq"], report["reason"]) == (False, 13, "truncated")
    assert report["last_checkpoint_seq"] == 10


def test_json_output_of_an_intact_log(db: Path) -> None:
    result = runner.invoke(app, ["verify", str(db), "--format", "json"])

    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert (report["ok"], report["entries_checked"], report["first_bad_seq"]) == (True, 25, None)
    assert report["warnings"] == []


def test_a_jsonl_export_verifies_with_explicit_checkpoints_and_keys(
    db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    exported = runner.invoke(app, ["export", str(db), "--format", "jsonl", "--out", str(out)])
    lines = out.read_text().splitlines()
    del lines[4]
    out.write_text("\n".join(lines) + "\n")

    result = runner.invoke(
        app,
        [
            "verify",
            str(out),
            "--checkpoints",
            str(checkpoint_path_for(db)),
            "--key-file",
            str(keys_path_for(db)),
        ],
    )

    assert exported.exit_code == 0 and "wrote 25 audit entries" in exported.stdout
    assert result.exit_code == 1
    assert "broken at seq 5 (sequence_gap)" in result.stdout


def test_no_checkpoints_is_a_warning_not_a_pass_of_everything(db: Path) -> None:
    checkpoint_path_for(db).unlink()

    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 0
    assert "warning: no checkpoints" in result.stderr


def test_a_forged_checkpoint_file_exits_1(db: Path) -> None:
    path = checkpoint_path_for(db)
    path.write_text(path.read_text().replace('"seq":20', '"seq":21'))

    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 1
    assert "broken at seq 21 (bad_checkpoint_signature)" in result.stdout


def test_a_damaged_checkpoint_file_exits_1_naming_the_line(db: Path) -> None:
    with checkpoint_path_for(db).open("a") as out:
        out.write("{oops\n")

    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 1
    assert "malformed checkpoint at line 3" in result.stdout


def test_a_missing_key_file_exits_2_with_the_fix(db: Path) -> None:
    keys_path_for(db).unlink()

    result = runner.invoke(app, ["verify", str(db)])

    assert result.exit_code == 2
    assert "pass --key-file" in result.stderr


def test_a_missing_log_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(tmp_path / "nope.sqlite")])

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_a_database_without_an_audit_table_exits_2(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()

    result = runner.invoke(app, ["verify", str(other)])

    assert result.exit_code == 2
    assert "no audit_log table" in result.stderr


def test_fhir_export_writes_valid_audit_events(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.ndjson"

    result = runner.invoke(app, ["export", str(db), "--format", "fhir", "--out", str(out)])

    resources = [json.loads(line) for line in out.read_text().splitlines()]
    assert result.exit_code == 0
    assert len(resources) == 25 and {r["resourceType"] for r in resources} == {"AuditEvent"}
    assert not any(v in out.read_text() for v in CANARY_VALUES)


def test_export_of_a_damaged_log_exits_1(db: Path, tmp_path: Path) -> None:
    _tamper(db, "UPDATE audit_log SET event = '{' WHERE seq = 3")

    result = runner.invoke(app, ["export", str(db), "--out", str(tmp_path / "x.jsonl")])

    assert result.exit_code == 1
    assert "malformed audit entry at seq 3" in result.stderr


def test_export_round_trips(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"

    runner.invoke(app, ["export", str(db), "--out", str(out)])

    assert [e.seq for e in read_jsonl(out)] == list(range(1, 26))


def test_the_group_is_registered_on_the_root_command() -> None:
    from splitbrain.cli import app as root

    result = runner.invoke(root, ["audit", "--help"])

    assert result.exit_code == 0
    assert "verify" in result.stdout and "export" in result.stdout
