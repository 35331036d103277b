"""``stale_overwrite``: a destination went back to an older value of the same origin.

Lineage (``state.py``) traces each value the SUT writes to the origin write that first produced
it: a record, a field and the version it made there. For every destination record and field the
detector keeps, per origin record, the newest origin version the destination has held, whether
the SUT delivered it or an actor typed it there. When the SUT writes a value whose origin
version is *older* than that, the destination regressed: an out-of-order delivery, a replayed
retry, or an echo of an old value. Values that trace to no single origin (repeated enum codes)
are not judged here; ``divergence`` judges the end state instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import Origin, RecordState

__all__ = ["StaleOverwrite"]


class _Held:
    __slots__ = ("delivery", "origin", "seq")

    def __init__(self, seq: int, origin: Operation, delivery: Operation) -> None:
        self.seq = seq
        self.origin = origin
        self.delivery = delivery


class StaleOverwrite:
    code: ClassVar[AnomalyCode] = AnomalyCode.STALE_OVERWRITE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._is_sut = ctx.actors.sut_lookup
        self._held: dict[tuple[str, str, str, str, str], _Held] = {}
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"write@bound": self._on_write, "create@bound": self._on_write}

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_write(self, op: Operation, rec: RecordState | None) -> None:
        state = self._ctx.state
        if op.type != OK or rec is None or not state.bound:
            return
        by_sut = self._is_sut(op.process)
        own = None if by_sut else _int(op.new_version)
        for _, binding, v in state.bound:
            if not binding.comparable or binding.enum:
                continue
            if own is not None:  # an actor's write is an origin of its own record
                key = (op.system, op.key, binding.field, op.system, op.key)
                self._held[key] = _Held(own, op, op)
                continue
            origin = state.origin(v)
            if origin is None or not self._same_person(origin, rec):
                continue
            key = (op.system, op.key, binding.field, origin.op.system, origin.op.key)
            held = self._held.get(key)
            if held is not None and by_sut and origin.seq < held.seq:
                self._report(op, rec, origin, held)
                continue
            if held is None or origin.seq >= held.seq:
                self._held[key] = _Held(origin.seq, origin.op, op)

    def _same_person(self, origin: Origin, rec: RecordState) -> bool:
        source = self._ctx.state.record(origin.op.system, origin.op.key)
        theirs = source.person if source is not None else None
        return theirs is None or rec.person is None or theirs == rec.person

    def _report(self, op: Operation, rec: RecordState, origin: Origin, held: _Held) -> None:
        words = self._ctx.wording
        field = origin.binding.field
        source = words.system(origin.op.system)
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(
                    held.origin.witness("newer origin value"),
                    held.delivery.witness("newer value held"),
                    origin.op.witness("older origin value"),
                    op.witness("older value written over it"),
                ),
                person=rec.label(),
                field=field,
                system=rec.system,
                explanation=(
                    f"{words.field(field)} of {rec.label()}: {words.system(rec.system)} "
                    f"({rec.key}) already held the value {source} wrote at version {held.seq} "
                    f"({origin.op.key}), then {op.process} wrote {source}'s older value from "
                    f"version {origin.seq} over it. {words.system(rec.system)} now shows an "
                    "out-of-date value: an older update was delivered after a newer one (out "
                    "of order, or a replayed retry) and nothing checked which one was newer."
                ),
            )
        )


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None
