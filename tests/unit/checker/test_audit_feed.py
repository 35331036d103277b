"""missing_audit, broken_chain, and events acknowledged but never audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from splitbrain.engine.adapters.audit_files import write_jsonl
from splitbrain.engine.domain.audit import AuditEvent, AuditOutcome, chain
from splitbrain.harness.checker import AnomalyCode, AuditFeed, Witness
from tests.unit.checker.scenario import Scenario, audit_for


def _engine_writes() -> Scenario:
    s = Scenario()
    s.person("gt_1", crm="c1")
    s.create("crm", "c1", {"phone": "+15550100001"})
    s.write("crm", "c1", {"phone": "+15550100002"}, base=1)
    s.notify("crm", "Contact/c1", "evt-1", outcome="ok")
    return s


def test_engine_write_the_audit_never_mentions_is_missing_audit() -> None:
    s = _engine_writes()
    unaudited = s.write("crm", "c1", {"phone": "+15550100003"}, base=2)
    audit = audit_for(s.sut_keys[:-1])

    verdict = s.check(audit=audit)

    (found,) = verdict.of(AnomalyCode.MISSING_AUDIT)
    assert found.witnesses == (Witness("crm.jsonl", unaudited, "unaudited change"),)
    assert verdict.codes() == {AnomalyCode.MISSING_AUDIT}


def test_engine_write_without_an_idempotency_key_is_missing_audit() -> None:
    s = _engine_writes()
    s.write("crm", "c1", {"phone": "+15550100003"}, base=2, idem=None)

    verdict = s.check(audit=audit_for(s.sut_keys))

    (found,) = verdict.of(AnomalyCode.MISSING_AUDIT)
    assert "no idempotency key" in found.explanation


def test_every_change_audited_is_clean() -> None:
    s = _engine_writes()

    verdict = s.check(audit=audit_for(s.sut_keys))

    assert verdict.ok
    assert verdict.skipped == {}


def test_event_accepted_but_never_audited_is_a_lost_event() -> None:
    s = _engine_writes()
    keys = [k for k in s.sut_keys if k != "evt-1"]

    (found,) = s.check(audit=audit_for(keys)).of(AnomalyCode.LOST_EVENT)

    assert "acknowledged the event and never recorded a decision" in found.explanation


def test_tampered_audit_entry_is_a_broken_chain_naming_its_seq() -> None:
    s = _engine_writes()

    verdict = s.check(audit=audit_for(s.sut_keys, tamper_at=1))

    (found,) = verdict.of(AnomalyCode.BROKEN_CHAIN)
    assert found.witnesses == (Witness("audit.jsonl", 2, "hash_mismatch"),)
    assert "seq 2" in found.explanation
    assert verdict.codes() == {AnomalyCode.BROKEN_CHAIN}  # entries past the break still count


def test_audit_feed_loads_the_export_file(tmp_path: Path) -> None:
    event = AuditEvent(
        actor="engine",
        role="sync_engine",
        service="engine",
        action="send.decide",
        outcome=AuditOutcome.PERMIT,
        extra=(("idempotency_key", "k-77"),),
        at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    path = tmp_path / "audit.jsonl"
    write_jsonl([chain(None, event)], path)

    feed = AuditFeed.load(path)

    assert feed.verification.ok
    assert feed.answered == frozenset({"k-77"})
    assert feed.entries == 1
