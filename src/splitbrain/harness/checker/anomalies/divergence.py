"""``divergence``: after quiescence, systems disagree on a field the matrix says they share.

A sync direction that copies a field in full (``ehr_to_crm``, ``portal_to_all``,
``bidirectional*``...) promises that, once the world is quiet, every system holding the field
holds the same value. For each person whose field was changed during the run (by an actor or the
SUT, not by the setup: the population starts out diverged on purpose), the detector compares
the final value of each of the person's live records in those systems. Only comparable bindings
of person records take part (``bindings.py``; not the portal's ``Preferences``); enum values are
compared by their canonical value (a map entry whose map holds more than the entry cannot be read
from its value id and is not judged). When a system holds several live records of the person (a
duplicate chart), the one written last speaks for it. A record created in the history without
the field holds no value (``null``); one never observed is not judged. A record whose last write
had an unknown outcome may hold either value: the systems diverge only if no choice of possible
values agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from simulators._shared.history import value_id
from splitbrain.engine.domain.policy import SyncDirection
from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import Anomaly, AnomalyCode, Witness
from splitbrain.harness.checker.state import RecordState

__all__ = ["SHARED_BY", "Divergence"]

SHARED_BY: Mapping[SyncDirection, tuple[str, ...] | None] = {
    SyncDirection.EHR_TO_CRM: ("ehr", "crm"),
    SyncDirection.CRM_TO_EHR: ("crm", "ehr"),
    SyncDirection.PORTAL_TO_CRM: ("portal", "crm"),
    SyncDirection.PORTAL_TO_EHR: ("portal", "ehr"),
    SyncDirection.PORTAL_TO_ALL: None,
    SyncDirection.BIDIRECTIONAL: None,
    SyncDirection.BIDIRECTIONAL_BY_STAGE: None,
    SyncDirection.BIDIRECTIONAL_WITH_VERSION_CHECK: None,
}
"""Which systems must agree (None: every system); summaries and read_only are absent."""
_ABSENT = value_id(None)


class Divergence:
    code: ClassVar[AnomalyCode] = AnomalyCode.DIVERGENCE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def handlers(self) -> Mapping[str, Handler]:
        return {}  # judged at the end, from the state's records

    def finish(self) -> list[Anomaly]:
        fields = self._ctx.policy.fields
        judged = {
            (rec.person, field)
            for rec in self._ctx.state.records()
            if rec.person is not None and rec.touched
            for field in rec.touched
            if field in fields and fields[field].sync in SHARED_BY
        }
        holders = self._holders(judged)
        found: list[Anomaly] = []
        for person, field in sorted(judged):
            policy = fields[field]
            shared = SHARED_BY[policy.sync] or tuple(self._ctx.policy.systems)
            values = _latest_per_system(
                [h for h in holders.get((person, field), ()) if h[0].system in shared]
            )
            if len(values) < 2:
                continue
            if not _agree([candidates for _, _, candidates in values]):
                found.append(self._report(person, field, values))
        return found

    def _holders(
        self, judged: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[tuple[RecordState, str, set[str]]]]:
        """(person, field) -> [(record, local field, possible final values)], for ``judged``."""
        state = self._ctx.state
        policy = self._ctx.policy.fields
        comparable = {
            system: [
                (
                    local,
                    bound.field,
                    policy[bound.field].enum if bound.enum and bound.field in policy else None,
                    bound.entry,
                )
                for local, bound in binding.fields.items()
                if bound.comparable and bound.kind is None  # only person records are judged
            ]
            for system, binding in self._ctx.bindings.systems.items()
        }
        found: dict[tuple[str, str], list[tuple[RecordState, str, set[str]]]] = {}
        for rec in state.records():
            person = rec.person
            if not rec.live or person is None:
                continue
            bound_fields = comparable.get(rec.system)
            if not bound_fields:
                continue
            created_here = rec.first is not None and rec.first.f == "create"
            for local, field, enum, entry in bound_fields:
                if (person, field) not in judged:
                    continue
                if local in rec.values:
                    value = rec.values[local]
                elif created_here:
                    value = _ABSENT  # we saw it created without the field: it is empty
                else:
                    continue  # never observed: unknown, not judged
                possible = {value, *rec.maybe.get(local, ())}
                if entry is not None:
                    read = {state.enums.canonical(enum, v, entry) for v in possible}
                    if None in read:
                        continue  # a map holding more than the entry: unknown, not judged
                    possible = {v for v in read if v is not None}
                elif enum is not None:
                    possible = {state.enums.canonical(enum, v) or v for v in possible}
                found.setdefault((person, field), []).append((rec, local, possible))
        return found

    def _report(
        self, person: str, field: str, values: list[tuple[RecordState, str, set[str]]]
    ) -> Anomaly:
        words = self._ctx.wording
        witnesses: list[Witness] = []
        where: list[str] = []
        for rec, local, _ in sorted(values, key=lambda item: (item[0].system, item[0].key)):
            last = rec.written_by.get(local)
            if last is not None:
                witnesses.append(last.witness(f"last write in {rec.system}"))
            where.append(f"{words.system(rec.system)} ({rec.key})")
        policy = self._ctx.policy.fields[field]
        return Anomaly(
            code=self.code,
            witnesses=tuple(witnesses),
            person=person,
            field=field,
            system=None,
            explanation=(
                f"After everything settled, {words.field(field)} of {person} differs between "
                f"{' and '.join(where)}, although the matrix says the value is shared (sync "
                f"{policy.sync.value}). The last change did not reach every system, or reached "
                "it and was overwritten: the systems now tell different stories."
            ),
        )


def _latest_per_system(
    holders: list[tuple[RecordState, str, set[str]]],
) -> list[tuple[RecordState, str, set[str]]]:
    """Per system, the record written last: a duplicate chart left as the world seeded it does
    not speak for the system once another record of the person was changed."""
    best: dict[str, tuple[int, tuple[RecordState, str, set[str]]]] = {}
    for holder in holders:
        rec, local, _ = holder
        last = rec.written_by.get(local)
        when = last.mono if last is not None else -1
        if rec.system not in best or when > best[rec.system][0]:
            best[rec.system] = (when, holder)
    return [holder for _, holder in best.values()]


def _agree(candidates: list[set[str]]) -> bool:
    common = set(candidates[0])
    for possible in candidates[1:]:
        common &= possible
    return bool(common)
