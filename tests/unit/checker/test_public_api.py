"""The checker's public names, the latency quantiles, and the audit feed through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import splitbrain.harness.checker as checker
from splitbrain.cli import app
from splitbrain.engine.adapters.audit_files import write_jsonl
from splitbrain.harness.checker import AnomalyCode
from splitbrain.harness.checker.timing import quantile
from splitbrain.harness.paths import default_matrix
from tests.unit.checker.scenario import Scenario, audit_entries, audit_for

EXPECTED = {
    "FORMAT", "SIMULATOR_BINDINGS", "VERSION", "Actors", "Anomaly", "AnomalyCode", "AuditFeed",
    "AuditFeedError", "Bindings", "CheckerError", "FieldBinding", "FileSummary",
    "HistoryFormatError", "HistoryPairingError", "HistorySource", "Operation",
    "RevocationLatency", "SystemBinding", "Truth", "TruthError", "Verdict", "Witness", "check",
    "header", "merged_operations", "print_report", "read_operations", "render_json",
    "render_text",
}  # fmt: skip


def test_public_names_are_deliberate_and_importable() -> None:
    assert set(checker.__all__) == EXPECTED
    assert all(getattr(checker, name) is not None for name in checker.__all__)


def test_quantiles_are_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]

    assert (quantile(ordered, 0.5), quantile(ordered, 0.95), quantile(ordered, 0.99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert quantile([3.0], 0.99) == 3.0


def test_feed_message_the_engine_acked_but_never_audited_is_a_lost_event() -> None:
    s = Scenario()
    s.op("ehr", "feed", "feed.A08", "idt_00aa", idem="MSG-0001", attempt=1, outcome="AA")

    verdict = s.check(truth=False, audit=audit_for(["k-unrelated"]))

    assert verdict.codes() == {AnomalyCode.LOST_EVENT}


def test_cli_reads_the_audit_export_and_names_the_unaudited_change(tmp_path: Path) -> None:
    s = Scenario()
    s.create("crm", "c1", {"phone": "+15550100001"})
    s.write("crm", "c1", {"phone": "+15550100002"}, base=1)
    audited = s.sut_keys[:]
    s.write("crm", "c1", {"phone": "+15550100003"}, base=2)
    paths = []
    for system, history in s.histories.items():
        (tmp_path / f"{system}.jsonl").write_text(history.export_jsonl())
        paths.append(str(tmp_path / f"{system}.jsonl"))
    audit = tmp_path / "audit.jsonl"
    write_jsonl(audit_entries(audited), audit)

    result = CliRunner().invoke(
        app,
        ["check", *paths, "--matrix", str(default_matrix()), "--audit", str(audit),
         "--format", "json"],
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["summary"]["by_code"] == {"missing_audit": 1}
    assert "missing_audit" not in body["not_judged"]
