"""Revocation timing: how long after a revoke was acknowledged every consumer honored it.

This is Jepsen's *stable latency* applied to consent: for each acknowledged revoke (or
expiry), the time from the acknowledgement to the moment after which every consumer honors it
for good. A consumer (a system keeping consent flags for the person, such as the CRM) honors a
revoke once its flag for that purpose and channel is written ``false``, and it must send no
message under that consent afterwards; so the revoke is honored at the later of the last
consumer's flag-off write and the last send that still went out. A revoke never honored by the
end of the history counts as ``never``; one overtaken by a new grant before it was honored as
``superseded``. Times come from ``mono_ns`` (real time) and are reported in seconds::

    latency.p95      # 0.012: 95% of revokes were honored everywhere within 12 ms
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from splitbrain.harness.checker.consent_log import ConsentLog, ConsentTrail
from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Operation

__all__ = ["RevocationLatency", "RevocationTimer", "quantile"]


@dataclass(frozen=True, slots=True)
class RevocationLatency:
    """Quantiles (seconds) over the honored revokes, and the counts of the others."""

    revokes: int = 0
    honored: int = 0
    never: int = 0
    superseded: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "revokes": self.revokes,
            "honored": self.honored,
            "never": self.never,
            "superseded": self.superseded,
            "p50_s": self.p50,
            "p95_s": self.p95,
            "p99_s": self.p99,
            "max_s": self.max,
        }


def quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of an ascending, non-empty list."""
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(min(rank, len(ordered))) - 1]


class RevocationTimer:
    """Collects consumer flag writes; measures every revoke at the end."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._consent: ConsentLog = ctx.consent

    def handlers(self) -> Mapping[str, Handler]:
        consent = self._consent
        return {
            "write": consent.on_write,
            "create": consent.on_write,
            "consent.*": consent.on_consent,
            "send_message": consent.on_send,
        }

    def finish(self) -> RevocationLatency:
        consumers = self._consumers()
        latencies: list[float] = []
        never = superseded = 0
        for (person, _), trail in self._consent.items():
            systems = consumers.get(person)
            if not systems:
                continue
            for revoke in trail.revokes:
                outcome = _latency(trail, revoke, systems)
                if isinstance(outcome, float):
                    latencies.append(outcome)
                elif outcome == "never":
                    never += 1
                else:
                    superseded += 1
        latencies.sort()
        total = len(latencies) + never + superseded
        if not latencies:
            return RevocationLatency(total, 0, never, superseded)
        return RevocationLatency(
            total,
            len(latencies),
            never,
            superseded,
            quantile(latencies, 0.50),
            quantile(latencies, 0.95),
            quantile(latencies, 0.99),
            latencies[-1],
        )

    def _consumers(self) -> dict[str, set[str]]:
        """Person -> the systems keeping consent flags for them (a live person record)."""
        flagged = {s for s, b in self._ctx.bindings.systems.items() if b.consent_flags}
        kinds = self._ctx.bindings.person_kinds()
        found: dict[str, set[str]] = {}
        for rec in self._ctx.state.records():
            if rec.system in flagged and rec.person and rec.live and kinds[rec.system] == rec.kind:
                found.setdefault(rec.person, set()).add(rec.system)
        return found


def _latency(trail: ConsentTrail, revoke: Operation, systems: set[str]) -> float | str:
    honored_at = 0
    for system in systems:
        flag = next(
            (f for f in trail.flags_off if f.system == system and f.mono >= revoke.invoke_mono),
            None,
        )
        if flag is None:
            return _unhonored(trail, revoke)
        honored_at = max(honored_at, flag.mono)
    late = [s.mono for s in trail.sends if s.invoke_mono > revoke.mono]
    honored_at = max([honored_at, *late])
    if any(g.type == OK and revoke.mono < g.mono < honored_at for g in trail.grants):
        return "superseded"
    return max(0, honored_at - revoke.mono) / 1e9


def _unhonored(trail: ConsentTrail, revoke: Operation) -> str:
    regranted = any(g.type == OK and g.mono > revoke.mono for g in trail.grants)
    return "superseded" if regranted else "never"
