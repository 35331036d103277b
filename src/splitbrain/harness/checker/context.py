"""What every detector may read, and the shape a detector has.

A detector subscribes to operation names (``write``, ``send_message``, a family such as
``consent.*``) with handlers ``(op, rec) -> None`` that run in stream order, keeping only the
per-key state it needs, and returns its anomalies from ``finish()`` once the stream has ended
(that is the "after quiescence" of DESIGN §9: the histories end after the world went quiet).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.checker.actors import Actors
from splitbrain.harness.checker.audit_feed import AuditFeed
from splitbrain.harness.checker.bindings import Bindings
from splitbrain.harness.checker.consent_log import ConsentLog
from splitbrain.harness.checker.model import Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState, WorldState
from splitbrain.harness.checker.truth import Truth
from splitbrain.harness.checker.wording import Wording

__all__ = ["EFFECTS", "Context", "Detector", "Handler"]

Handler = Callable[[Operation, RecordState | None], None]

EFFECTS: tuple[str, ...] = (
    "create",
    "write",
    "delete",
    "merge",
    "send_message",
    "consent.*",
    "adt.*",
)
"""Operations that change the world (a read, search or notify changes nothing)."""


@dataclass(frozen=True, slots=True)
class Context:
    policy: Policy
    wording: Wording
    bindings: Bindings
    actors: Actors
    state: WorldState
    consent: ConsentLog
    truth: Truth | None = None
    audit: AuditFeed | None = None


class Detector(Protocol):
    code: ClassVar[AnomalyCode]

    def handlers(self) -> Mapping[str, Handler]:
        """``{name: handler}``; a name is an operation (``write``) or a family (``consent.*``),
        optionally qualified: ``write@bound`` (only writes carrying a bound field), ``write@sut``
        (only the SUT's)."""
        ...

    def finish(self) -> list[Anomaly]:
        """The anomalies found, once every operation was seen."""
        ...
