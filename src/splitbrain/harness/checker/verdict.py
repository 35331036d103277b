"""``Verdict``: everything one check found, what it could not judge, and what it read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from splitbrain.harness.checker.model import Anomaly, AnomalyCode
from splitbrain.harness.checker.timing import RevocationLatency

__all__ = ["FileSummary", "Verdict"]


@dataclass(frozen=True, slots=True)
class FileSummary:
    label: str
    system: str
    records: int
    operations: int
    open_at_end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """Clean when ``anomalies`` is empty; ``skipped`` names the codes it could not judge."""

    anomalies: tuple[Anomaly, ...]
    matrix: str
    files: tuple[FileSummary, ...] = ()
    skipped: Mapping[AnomalyCode, str] = field(default_factory=dict)
    revocation: RevocationLatency = field(default_factory=RevocationLatency)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.anomalies

    @property
    def operations(self) -> int:
        return sum(f.operations for f in self.files)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def counts(self) -> dict[AnomalyCode, int]:
        """Anomalies per code, in the order of ``AnomalyCode``."""
        found = Counter(a.code for a in self.anomalies)
        return {code: found[code] for code in AnomalyCode if found[code]}

    def of(self, code: AnomalyCode | str) -> list[Anomaly]:
        return [a for a in self.anomalies if a.code == code]

    def codes(self) -> set[AnomalyCode]:
        return {a.code for a in self.anomalies}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "matrix": self.matrix,
            "summary": {
                "anomalies": len(self.anomalies),
                "by_code": {code.value: n for code, n in self.counts().items()},
                "operations": self.operations,
                "records": self.records,
                "seconds": round(self.seconds, 3),
            },
            "not_judged": {code.value: why for code, why in self.skipped.items()},
            "revocation_latency": self.revocation.to_json(),
            "files": [
                {
                    "file": f.label,
                    "system": f.system,
                    "records": f.records,
                    "operations": f.operations,
                    "open_at_end": f.open_at_end,
                }
                for f in self.files
            ],
            "anomalies": [a.to_json() for a in self.anomalies],
        }
