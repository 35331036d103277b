"""``wrong_merge``: a merge joined the records of two different ground-truth persons.

A ``merge`` operation names the retired record as its key and the survivor in its outcome
(``merged_into:Patient/p1``). When both records are attributed (truth or lineage) to different
persons, two people now share one chart. Only ``ok`` merges count: an ``info`` merge may not
have happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["WrongMerge"]


class WrongMerge:
    code: ClassVar[AnomalyCode] = AnomalyCode.WRONG_MERGE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"merge": self._on_merge}

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_merge(self, op: Operation, rec: RecordState | None) -> None:
        if op.type != OK or rec is None or rec.person is None:
            return
        survivor_key = (op.outcome or "").partition(":")[2]
        survivor = self._ctx.state.record(op.system, survivor_key)
        other = survivor.person if survivor is not None else self._truth_person(op, survivor_key)
        if other is None or other == rec.person:
            return
        self._found.append(self._report(op, rec, survivor_key, other))

    def _truth_person(self, op: Operation, key: str) -> str | None:
        truth = self._ctx.truth
        return None if truth is None else truth.person_of(op.system, key.partition("/")[2])

    def _report(self, op: Operation, rec: RecordState, survivor_key: str, other: str) -> Anomaly:
        words = self._ctx.wording
        relation = self._ctx.truth.relation(rec.person or "", other) if self._ctx.truth else None
        confusable = f" (they are {relation}, easy to confuse)" if relation else ""
        return Anomaly(
            code=self.code,
            witnesses=(op.witness("merge"),),
            person=rec.person,
            field=None,
            system=op.system,
            explanation=(
                f"{op.process} merged {rec.key} ({rec.person}) into {survivor_key} ({other}) in "
                f"{words.system(op.system)}; these are two different people{confusable}. "
                "Their records are now one chart: unmerge them and review what each record "
                "received since the merge."
            ),
        )
