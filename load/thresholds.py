"""The SLOs a load run is judged against (``load/thresholds.yaml``) and the judgment.

slo = Thresholds.load("load/thresholds.yaml")
breaches = slo.breaches(summary)        # [] when every SLO holds
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from load.errors import ThresholdsError
from load.paths import CONSENT_PATHS, SYNC_PATHS

__all__ = ["Thresholds"]

_QUANTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class Thresholds:
    sync: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    consent: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    max_failure_ratio: float = 0.01
    max_generator_cpu: float = 90.0
    min_sync_samples: int = 1

    @classmethod
    def load(cls, path: str | Path) -> Thresholds:
        where = Path(path)
        try:
            data = yaml.safe_load(where.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ThresholdsError(f"cannot read thresholds {where} ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise ThresholdsError(f"thresholds {where} is not YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise ThresholdsError(f"thresholds {where}: the top level must be a mapping")
        known = {"sync", "consent", "max_failure_ratio", "max_generator_cpu", "min_sync_samples"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ThresholdsError(
                f"thresholds {where}: unknown keys {', '.join(unknown)}; use {sorted(known)}"
            )
        return cls(
            sync=_limits(where, "sync", data.get("sync") or {}),
            consent=_limits(where, "consent", data.get("consent") or {}),
            max_failure_ratio=float(data.get("max_failure_ratio", 0.01)),
            max_generator_cpu=float(data.get("max_generator_cpu", 90.0)),
            min_sync_samples=int(data.get("min_sync_samples", 1)),
        )

    def limits(self, kind: str, path: str) -> Mapping[str, float]:
        table = self.sync if kind == "sync" else self.consent
        return table.get(path) or table.get("default") or {}

    def breaches(self, summary: Mapping[str, Any]) -> list[str]:
        """Every SLO ``summary`` (``load.report``) breaks, in words (ids and figures only)."""
        found: list[str] = []
        for kind, names in (("sync", SYNC_PATHS), ("consent", CONSENT_PATHS)):
            measured = summary.get(kind) or {}
            for name in names:
                figures = measured.get(name)
                if not figures or figures["count"] - figures["failures"] < self.min_sync_samples:
                    found.append(f"{kind} {name}: not measured (no change seen on this path)")
                    continue
                for quantile, limit in self.limits(kind, name).items():
                    value = figures.get(quantile)
                    if value is not None and value > limit:
                        found.append(f"{kind} {name}: {quantile} {value:.1f} ms > {limit:g} ms")
        ratio = float(summary.get("failure_ratio", 0.0))
        if ratio > self.max_failure_ratio:
            found.append(f"failure ratio {ratio:.4f} > {self.max_failure_ratio:g}")
        return found


def _limits(where: Path, key: str, table: Any) -> dict[str, dict[str, float]]:
    if not isinstance(table, dict):
        raise ThresholdsError(f"thresholds {where}: {key} must map paths to limits")
    out: dict[str, dict[str, float]] = {}
    for path, limits in table.items():
        if not isinstance(limits, dict) or not set(limits) <= set(_QUANTILES):
            raise ThresholdsError(
                f"thresholds {where}: {key}.{path} must map p50/p95/p99 to milliseconds"
            )
        out[str(path)] = {q: float(v) for q, v in limits.items()}
    return out
