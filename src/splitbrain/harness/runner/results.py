"""What one scenario or catalog case came to: its outcome and the checker's verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Outcome", "RunResult"]

Outcome = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True, slots=True)
class RunResult:
    suite: str
    """``features`` or ``conflict-catalog``."""
    name: str
    outcome: Outcome
    message: str = ""
    verdict: Mapping[str, Any] | None = None
    """``Verdict.to_json()`` of the run's histories, when it had a world."""
    judged: bool = False
    """The scenario asked the checker itself: its outcome already holds the verdict."""
    histories: str | None = None
    seconds: float = 0.0

    @property
    def anomalies(self) -> Sequence[Mapping[str, Any]]:
        return list(self.verdict.get("anomalies", ())) if self.verdict else []

    @property
    def passed(self) -> bool:
        """Its steps passed and, unless it judged itself, the checker found nothing."""
        if self.outcome in ("failed", "error"):
            return False
        return self.judged or not self.anomalies

    @property
    def status(self) -> str:
        if self.outcome == "skipped":
            return "skipped"
        return "passed" if self.passed else "failed"

    def problems(self) -> list[str]:
        found = [self.message] if self.outcome in ("failed", "error") and self.message else []
        if not self.judged:
            found += [_anomaly_line(a) for a in self.anomalies]
        return found


def _anomaly_line(anomaly: Mapping[str, Any]) -> str:
    witnesses = ", ".join(f"{w['file']}#{w['index']}" for w in anomaly.get("witnesses", ()))
    where = " ".join(str(x) for x in (anomaly.get("person"), anomaly.get("field")) if x)
    return f"{anomaly['code']} {where} [{witnesses}]: {anomaly.get('explanation', '')}"
