"""``missing_audit``: the SUT changed the world and its audit cannot account for it.

When the SUT exposes its audit (``audit_feed.py``), every change it made in a system must be
answered by an audit entry: one whose correlation id (or an ``idempotency_key`` extra) equals
the operation's idempotency key. Every outbound call of the SUT carries such a key (DESIGN §4),
so a change without one, or with one the audit never names, is a change nobody can trace back
to a decision. Only ``ok`` changes by the SUT count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import EFFECTS, Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["MissingAudit"]


class MissingAudit:
    code: ClassVar[AnomalyCode] = AnomalyCode.MISSING_AUDIT

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._answered = ctx.audit.answered if ctx.audit is not None else frozenset()
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {name + "@sut": self._on_effect for name in EFFECTS}

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_effect(self, op: Operation, rec: RecordState | None) -> None:
        if op.type != OK or op.idempotency_key in self._answered:
            return
        words = self._ctx.wording
        why = (
            f"its audit log has no entry for idempotency key {op.idempotency_key}"
            if op.idempotency_key is not None
            else "the call carried no idempotency key, so no audit entry can be tied to it"
        )
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(op.witness("unaudited change"),),
                person=rec.label() if rec is not None else None,
                field=op.field,
                system=op.system,
                explanation=(
                    f"{op.process} made a {op.f} in {words.system(op.system)} ({op.key}), but "
                    f"{why}. A change the audit cannot account for cannot be explained to a "
                    "patient or an auditor: every decision, allow or deny, must be audited."
                ),
            )
        )
