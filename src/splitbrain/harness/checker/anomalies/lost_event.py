"""``lost_event``: an event bound for the SUT that never reached a terminal state.

The world announces changes to the SUT as events: webhook deliveries (``notify``, keyed by
event id) and HL7 feed messages (``feed.*``, keyed by message control id), each retried under
the same id. An event ends in one of these terminal states:

- accepted: an attempt completed ``ok`` (2xx, ACK AA);
- refused: the receiver said no for good (4xx, ACK AR or AE): a decision, visible and audited;
- possibly accepted: an attempt completed ``info`` (the receiver may have taken it).

An event whose every attempt failed otherwise (5xx, connection refused, timeouts the world
observed as failures) had no terminal state: the receiver was never able to take it and the
change it carried was lost. Failures the world injected on purpose (``fault:*``) are the test's
doing, not the SUT's. When the SUT exposes its audit, an event the SUT accepted (a webhook to
one of its endpoints, or the EHR's outbound HL7 feed, whose peer is the integration engine) that
the audit never answers (no entry naming the event id) was acknowledged and then dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import INFO, OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["LostEvent", "is_refusal"]


def is_refusal(outcome: str | None) -> bool:
    """A definite answer from the receiver: an HTTP 4xx, or an HL7 ACK AR / AE."""
    if outcome is None:
        return False
    return outcome in ("AR", "AE") or (outcome.startswith("http_4") and len(outcome) == 8)


class _Delivery:
    __slots__ = ("accepted", "attempts", "first", "last", "settled", "world_fault")

    def __init__(self, op: Operation) -> None:
        self.first = op
        self.last = op
        self.attempts = 0
        self.accepted: Operation | None = None
        self.settled = False
        self.world_fault = False


class LostEvent:
    code: ClassVar[AnomalyCode] = AnomalyCode.LOST_EVENT

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._deliveries: dict[tuple[str, str, str], _Delivery] = {}

    def handlers(self) -> Mapping[str, Handler]:
        return {"notify": self._on_attempt, "feed.*": self._on_attempt}

    def finish(self) -> list[Anomaly]:
        found: list[Anomaly] = []
        audit = self._ctx.audit
        for (_, endpoint, event), delivery in self._deliveries.items():
            if not delivery.settled:
                if not delivery.world_fault:
                    found.append(self._never_taken(event, delivery))
            elif (
                audit is not None
                and delivery.accepted is not None
                and (self._ctx.actors.is_sut(endpoint) or delivery.first.f.startswith("feed."))
                and event not in audit.answered
            ):
                found.append(self._dropped(event, delivery.accepted))
        return found

    def _on_attempt(self, op: Operation, rec: RecordState | None) -> None:
        if op.idempotency_key is None:
            return
        key = (op.system, op.process, op.idempotency_key)
        delivery = self._deliveries.get(key)
        if delivery is None:
            delivery = self._deliveries[key] = _Delivery(op)
        delivery.attempts += 1
        delivery.last = op
        if op.type == OK:
            delivery.accepted = delivery.accepted or op
            delivery.settled = True
        elif op.type == INFO or is_refusal(op.outcome):
            delivery.settled = True
        elif (op.outcome or "").startswith("fault:"):
            delivery.world_fault = True

    def _never_taken(self, event: str, delivery: _Delivery) -> Anomaly:
        last = delivery.last
        words = self._ctx.wording
        return Anomaly(
            code=self.code,
            witnesses=(delivery.first.witness("first attempt"), last.witness("last attempt")),
            person=self._person(last),
            field=None,
            system=last.system,
            explanation=(
                f"{words.system(last.system)} tried {delivery.attempts} time(s) to deliver event "
                f"{event} ({last.f} about {last.key}) to {last.process}; every attempt failed "
                f"(last: {last.outcome}) and none was accepted or refused, so the change it "
                "announced never reached the engine. The receiver must accept events (or "
                "refuse them explicitly) and never drop them."
            ),
        )

    def _dropped(self, event: str, accepted: Operation) -> Anomaly:
        words = self._ctx.wording
        return Anomaly(
            code=self.code,
            witnesses=(accepted.witness("accepted"),),
            person=self._person(accepted),
            field=None,
            system=accepted.system,
            explanation=(
                f"{accepted.process} accepted event {event} from "
                f"{words.system(accepted.system)} ({accepted.f} about {accepted.key}), but its "
                "audit log has no entry for it: the engine acknowledged the event and never "
                "recorded a decision, so the change was dropped after the acknowledgement."
            ),
        )

    def _person(self, op: Operation) -> str:
        rec = self._ctx.state.record(op.system, op.key)
        return rec.label() if rec is not None else f"{op.system}:{op.key}"
