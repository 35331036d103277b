"""No PHI value reaches any byte the audit log writes: database, checkpoints, exports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from splitbrain.engine.adapters.audit_fhir import to_fhir_bundle, write_fhir_ndjson
from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_or_create_keys,
)
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.domain.audit import AuditEventError, AuditOutcome, VerifyResult
from tests.unit.audit.factories import CANARY_VALUES, make_event


def _variants(value: str) -> list[bytes]:
    return [value.encode(), value.casefold().encode(), value.encode("utf-16-le")]


def test_canary_values_never_appear_in_anything_the_log_writes(tmp_path: Path) -> None:
    db = tmp_path / "engine.sqlite"
    keys = load_or_create_keys(keys_path_for(db))
    conn = sqlite3.connect(db)
    log = SqliteAuditLog(conn, JsonlCheckpointStore(checkpoint_path_for(db)), keys)
    prints = tuple(
        (f, log.fingerprint(v))
        for f, v in zip(("name", "email", "phone"), CANARY_VALUES, strict=True)
    )
    refused = 0

    with conn:
        for i in range(20):
            log.append(
                make_event(
                    i,
                    outcome=AuditOutcome.DENY if i % 2 else AuditOutcome.PERMIT,
                    field_names=("name", "email", "phone"),
                    fingerprints=prints,
                )
            )
            for value in CANARY_VALUES:  # every attempt to smuggle a value in is refused
                try:
                    log.append(make_event(i, reason=value))
                except AuditEventError:
                    refused += 1
    log.checkpoint()
    log.export_jsonl(tmp_path / "audit.jsonl")
    write_fhir_ndjson(log.entries(), tmp_path / "audit.ndjson")
    (tmp_path / "bundle.json").write_text(str(to_fhir_bundle(log.entries())))
    result: VerifyResult = log.verify()
    conn.close()

    assert refused == 20 * len(CANARY_VALUES)
    assert result.ok and result.entries_checked == 20
    written = [p for p in tmp_path.iterdir() if p.name != keys_path_for(db).name]
    assert {p.name for p in written} >= {
        "engine.sqlite",
        "engine.sqlite.checkpoints.jsonl",
        "audit.jsonl",
        "audit.ndjson",
        "bundle.json",
    }
    for path in written:
        data = path.read_bytes()
        for value in CANARY_VALUES:
            assert not any(v in data for v in _variants(value)), (path.name, value)
