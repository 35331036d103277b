"""``duplicate_person``: after quiescence one person has two live records in one system, and
the SUT created at least one of them.

Records belong to ground-truth persons through the truth (seeded records) or lineage (a record
created during the run carries identity values of one person's records; see ``state.py``). A
record is live once created or written and until it is deleted or merged away. Duplicates the
world started with (the population seeds some on purpose) or that actors made themselves are
not the SUT's doing; a SUT that creates one more record of a known person is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import Anomaly, AnomalyCode, Witness
from splitbrain.harness.checker.state import RecordState

__all__ = ["DuplicatePerson"]


class DuplicatePerson:
    code: ClassVar[AnomalyCode] = AnomalyCode.DUPLICATE_PERSON

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def handlers(self) -> Mapping[str, Handler]:
        return {}  # judged at the end, from the state's records

    def finish(self) -> list[Anomaly]:
        kinds = self._ctx.bindings.person_kinds()
        groups: dict[tuple[str, str], RecordState | list[RecordState]] = {}
        for rec in self._ctx.state.records():
            if rec.live and rec.person is not None and kinds.get(rec.system) == rec.kind:
                key = (rec.system, rec.person)
                seen = groups.get(key)
                if seen is None:
                    groups[key] = rec  # the common case: one record
                elif isinstance(seen, list):
                    seen.append(rec)
                else:
                    groups[key] = [seen, rec]
        several = sorted((key, recs) for key, recs in groups.items() if isinstance(recs, list))
        return [
            self._report(system, person, recs)
            for (system, person), recs in several
            if any(r.sut_create is not None for r in recs)
        ]

    def _report(self, system: str, person: str, recs: list[RecordState]) -> Anomaly:
        words = self._ctx.wording
        made = [r for r in recs if r.sut_create is not None]
        witnesses: list[Witness] = []
        for rec in sorted(recs, key=lambda r: r.key):
            op = rec.sut_create or rec.first
            if op is not None:
                what = "created by the engine" if rec.sut_create is not None else "existing record"
                witnesses.append(op.witness(what))
        keys = ", ".join(sorted(r.key for r in recs))
        return Anomaly(
            code=self.code,
            witnesses=tuple(witnesses),
            person=person,
            field=None,
            system=system,
            explanation=(
                f"{person} has {len(recs)} live records in {words.system(system)} ({keys}); "
                f"{made[0].sut_create.process if made[0].sut_create else 'the engine'} created "
                f"{len(made)} of them although the person already had a record there. One "
                "person must have one record: match the existing record (or queue a merge "
                "review) instead of creating another."
            ),
        )
