"""InMemoryAuditLog: the fake behaves like the port promises, including failing closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore, read_jsonl
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.domain.audit import AuditSink, AuditWriteError, fingerprint
from tests.unit.audit.factories import FINGERPRINT_KEY, KEYS, make_event


def _log(every: int = 1000) -> InMemoryAuditLog:
    return InMemoryAuditLog(InMemoryCheckpointStore(), KEYS, checkpoint_every=every)


def test_the_fake_is_an_audit_sink() -> None:
    assert isinstance(_log(), AuditSink)


def test_appends_chain_and_verify() -> None:
    log = _log(every=2)

    for i in range(5):
        log.append(make_event(i))
        log.checkpoint_if_due()

    result = log.verify()
    assert result.ok and result.entries_checked == 5
    assert [cp.seq for cp in log.checkpoints.all()] == [2, 4]


def test_a_failing_fake_raises_and_stores_nothing() -> None:
    log = _log()
    log.append(make_event(1))
    log.fail_appends("disk full")

    with pytest.raises(AuditWriteError, match=r"'write.decide' was not stored \(disk full\)"):
        log.append(make_event(2))

    assert [e.seq for e in log.entries()] == [1]


def test_the_sink_fingerprints_with_its_fingerprint_key() -> None:
    assert _log().fingerprint("Ana") == fingerprint(FINGERPRINT_KEY, "Ana")


def test_checkpoint_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="checkpoint_every must be >= 1"):
        _log(every=0)


def test_the_fake_exports_the_same_jsonl(tmp_path: Path) -> None:
    log = _log()
    entries = [log.append(make_event(i)) for i in range(3)]

    assert log.export_jsonl(tmp_path / "a.jsonl") == 3
    assert list(read_jsonl(tmp_path / "a.jsonl")) == entries
