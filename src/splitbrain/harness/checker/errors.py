"""Errors of the checker: input it cannot read. Anomalies are findings, never exceptions.

The tree::

    HarnessError                      (splitbrain.harness.errors)
    └── CheckerError                  the checker cannot judge this input
        ├── HistoryFormatError        a history line is not a v1 record (names file:line, field)
        ├── HistoryPairingError       a completion names no open invoke (names file:line)
        ├── TruthError                the ground truth cannot be read
        └── AuditFeedError            the SUT's audit feed cannot be read

Every message names the file, the line and the field, the rule and the fix; never a value (a
history holds value ids only, but a broken line could hold anything).
"""

from __future__ import annotations

from splitbrain.harness.errors import HarnessError

__all__ = [
    "AuditFeedError",
    "CheckerError",
    "HistoryFormatError",
    "HistoryPairingError",
    "TruthError",
]


class CheckerError(HarnessError):
    """The checker cannot judge this input (exit code 2 in the CLI)."""


class HistoryFormatError(CheckerError):
    """A line of a history is not a record of the documented format (docs/history.md)."""

    def __init__(self, where: str, problem: str, *, field: str | None = None) -> None:
        self.where = where
        self.field = field
        named = f" field {field!r}" if field is not None else ""
        super().__init__(f"{where}:{named} {problem} (see docs/history.md)")


class HistoryPairingError(HistoryFormatError):
    """A completion whose ``op`` names no invoke still open in the same file."""


class TruthError(CheckerError):
    """The ground truth is missing, malformed or from another population."""


class AuditFeedError(CheckerError):
    """The audit feed is not the JSONL of ``splitbrain audit export --format jsonl``."""
