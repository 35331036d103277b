"""``lost_update``: a write silently overwrote a change its writer never saw.

Every write is based on a version: its ``base_version`` (If-Match), or for a blind write the
last version its process had observed of the record (a read, or its own write). If a field was
changed by another write *after* that version, and this write changes the field again and is
applied, the other change is lost: nobody decided against it, it simply vanished. Only ``ok``
writes count (an ``info`` write may never have happened).

A blind write by a SUT process that never read the record has no base of its own. It is judged
by what the SUT had been told: when it overwrites a matrix field whose last change an actor made
(a patient's acknowledged choice) and no SUT process had seen that change before the write was
sent, the change is lost. Seeing is read generously, so a SUT that saw it is never accused: a
SUT read of the record at that version or later, a notification of the record (``notify``,
``feed.*``, to any endpoint) sent after the change and answered, or any SUT search of the system
(a change feed) started after the change, each completed before the write was invoked. This
judges enum fields too, whose values repeat and so cannot name their write (CC-13: the engine
copies the CRM's older choice over the patient's newer one in the portal, without If-Match). A
SUT that writes from inside a notification before answering it is judged not to have seen it.

Per record the detector keeps, for each field, the version and base of its last definite change,
per (process, record) the last version observed, and the actors' changes no SUT process has
seen yet: O(1) work per operation.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import FAIL, OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["LostUpdate"]


_Change = tuple[int, int | None, Operation]
"""(version it made, version its writer had seen, the write)."""


class _Known:
    """One record: what each process observed, each field's last change, and what the SUT saw
    of the actors' changes."""

    __slots__ = ("changes", "seen", "sighted", "waiting")

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.changes: dict[str, _Change] = {}
        self.waiting: dict[str, Operation] = {}
        """Bound fields whose last change an actor made and no SUT process has seen yet."""
        self.sighted: dict[str, int] = {}
        """Bound fields whose last change (an actor's) a SUT process saw: when it completed."""


class LostUpdate:
    code: ClassVar[AnomalyCode] = AnomalyCode.LOST_UPDATE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._records: dict[RecordState, _Known] = {}
        self._stamped = {s: b.server_fields for s, b in ctx.bindings.systems.items()}
        self._bound = {s: frozenset(b.fields) for s, b in ctx.bindings.systems.items()}
        self._is_sut = ctx.actors.sut_lookup
        self._is_seed = ctx.actors.seed_lookup
        self._waiting_at: dict[str, dict[str, _Known]] = {}
        """``{system: {record key: its state}}`` of records that ever had an actor's change
        waiting to be seen: a notification of any other record is passed over at once."""
        self._searches: dict[str, tuple[list[int], list[int]]] = {}
        """Per system, the SUT's searches in completion order: (completed at, latest start so
        far)."""
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "write": self._on_write,
            "create": self._on_write,
            "read": self._on_read,
            "notify": self._on_told,  # to any endpoint: a SUT may name its webhook freely
            "feed.*": self._on_told,
            "search@sut": self._on_search,
        }

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_read(self, op: Operation, rec: RecordState | None) -> None:
        if op.type != OK or rec is None or op.new_version is None:
            return
        try:
            version = int(op.new_version)
        except ValueError:
            return
        known = self._records.get(rec)
        if known is None:
            known = self._records[rec] = _Known()
        known.seen[op.process] = version
        if known.waiting and self._is_sut(op.process):
            self._saw(known, op, version)

    def _on_told(self, op: Operation, rec: RecordState | None) -> None:
        """A notification of the record reached the SUT: the changes made before it was sent."""
        at = self._waiting_at.get(op.system)
        known = at.get(op.key) if at is not None else None
        if known is not None and known.waiting and op.type != FAIL:
            self._saw(known, op, None)

    def _on_search(self, op: Operation, rec: RecordState | None) -> None:
        if op.type == FAIL:
            return
        done, started = self._searches.setdefault(op.system, ([], []))
        done.append(op.mono)
        started.append(max(op.invoke_mono, started[-1]) if started else op.invoke_mono)

    @staticmethod
    def _saw(known: _Known, op: Operation, version: int | None) -> None:
        for local, change in list(known.waiting.items()):
            if version is None:
                seen = op.invoke_mono > change.mono
            else:
                seen = version >= known.changes[local][0]
            if seen:
                known.sighted[local] = op.mono
                del known.waiting[local]

    def _on_write(self, op: Operation, rec: RecordState | None) -> None:
        fields = op.fields
        if not fields or rec is None or op.type != OK:
            return
        new_version, base_version = op.new_version, op.base_version
        if new_version is None:
            return
        try:
            version = int(new_version)
            based = int(base_version) if base_version is not None else None
        except ValueError:
            return
        known = self._records.get(rec)
        if known is None:
            known = self._records[rec] = _Known()
        seen, changes = known.seen, known.changes
        process = op.process
        base = based if based is not None else seen.get(process)
        seen[process] = version
        current = rec.values
        system = op.system
        stamped = self._stamped.get(system, ())
        by_sut = self._is_sut(process)
        blind = base is None and by_sut
        by_actor = not by_sut and not self._is_seed(process)
        # which SUT-seen bookkeeping this write needs: an actor's change starts waiting; anyone
        # else's change ends what was waiting or sighted for the field
        tracked = by_actor or known.waiting or known.sighted
        bound = self._bound.get(system, ()) if tracked or blind else ()
        change = (version, base, op)  # one per write, shared by its fields
        for local, v in fields.items():
            if current.get(local) == v or local in stamped:
                continue
            last = changes.get(local)
            if last is not None:
                last_version = last[0]
                if last_version < version:
                    if base is not None:
                        if last_version > base:
                            self._report(last[2], op, local, base, rec)
                    elif blind and local in bound and self._unseen(known, local, op):
                        self._report(last[2], op, local, None, rec)
                else:
                    if last[1] is not None and last[1] < version < last_version:
                        self._report(op, last[2], local, last[1], rec)
                    continue
            changes[local] = change
            if tracked and local in bound:
                known.sighted.pop(local, None)
                if by_actor:
                    if not known.waiting:
                        self._waiting_at.setdefault(system, {})[op.key] = known
                    known.waiting[local] = op
                else:
                    known.waiting.pop(local, None)

    def _unseen(self, known: _Known, local: str, op: Operation) -> bool:
        """The last change of ``local`` is an actor's and no SUT process had seen it when
        ``op`` was sent."""
        change = known.waiting.get(local)
        if change is None:
            sighted = known.sighted.get(local)
            if sighted is None or sighted < op.invoke_mono:
                return False  # not an actor's change, or seen in time
            change = known.changes[local][2]
        searches = self._searches.get(op.system)
        if searches is not None:
            done, started = searches
            before = bisect_left(done, op.invoke_mono)
            if before and started[before - 1] > change.mono:
                return False  # a search begun after the change, answered before the write
        return True

    def _report(
        self, lost: Operation, winner: Operation, local: str, base: int | None, rec: RecordState
    ) -> None:
        words = self._ctx.wording
        binding = self._ctx.bindings.of(rec.system)
        bound = binding.fields.get(local) if binding is not None else None
        field = bound.field if bound is not None else local
        if base is None:
            unseen = (
                "which sent no version (no If-Match) and had not seen that change: it had "
                "not read the record since, nor answered a notification of it, when it sent "
                "its write"
            )
        else:
            unseen = f"whose write was based on version {base} and never saw it"
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(lost.witness("change that was lost"), winner.witness("overwrite")),
                person=rec.label(),
                field=field,
                system=rec.system,
                explanation=(
                    f"Two writers changed {words.field(field)} of {rec.label()} in "
                    f"{words.system(rec.system)} ({rec.key}, field {local!r}). The change by "
                    f"{lost.process} (version {lost.new_version}) was overwritten by "
                    f"{winner.process} (version {winner.new_version}), {unseen}; nobody "
                    "decided that the first change should be dropped. Writes must send the "
                    "version they read (If-Match) so the second one is refused and decided again."
                ),
            )
        )
