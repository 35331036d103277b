"""The judge (DESIGN §1, §9): read the world's histories, name every anomaly and its witnesses.

::

    from splitbrain.harness.checker import HistorySource, check, render_text

    verdict = check(
        [HistorySource.from_text(s, world.runtime(s).history.export_jsonl()) for s in SYSTEMS],
        "scenarios/matrices/telehealth.yaml",
        truth=world.runtime("crm").ground_truth,
    )
    print(render_text(verdict))        # exit 1 in CI when not verdict.ok

The format read is docs/history.md. Because the judge only reads what the simulators saw, it
can judge any sync engine.
"""

from __future__ import annotations

from splitbrain.harness.checker.actors import Actors
from splitbrain.harness.checker.audit_feed import AuditFeed
from splitbrain.harness.checker.bindings import (
    SIMULATOR_BINDINGS,
    Bindings,
    FieldBinding,
    SystemBinding,
)
from splitbrain.harness.checker.checker import check
from splitbrain.harness.checker.errors import (
    AuditFeedError,
    CheckerError,
    HistoryFormatError,
    HistoryPairingError,
    TruthError,
)
from splitbrain.harness.checker.history import (
    FORMAT,
    VERSION,
    HistorySource,
    header,
    merged_operations,
    read_operations,
)
from splitbrain.harness.checker.model import Anomaly, AnomalyCode, Operation, Witness
from splitbrain.harness.checker.report import print_report, render_json, render_text
from splitbrain.harness.checker.timing import RevocationLatency
from splitbrain.harness.checker.truth import Truth
from splitbrain.harness.checker.verdict import FileSummary, Verdict

__all__ = [
    "FORMAT",
    "SIMULATOR_BINDINGS",
    "VERSION",
    "Actors",
    "Anomaly",
    "AnomalyCode",
    "AuditFeed",
    "AuditFeedError",
    "Bindings",
    "CheckerError",
    "FieldBinding",
    "FileSummary",
    "HistoryFormatError",
    "HistoryPairingError",
    "HistorySource",
    "Operation",
    "RevocationLatency",
    "SystemBinding",
    "Truth",
    "TruthError",
    "Verdict",
    "Witness",
    "check",
    "header",
    "merged_operations",
    "print_report",
    "read_operations",
    "render_json",
    "render_text",
]
