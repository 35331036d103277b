"""``lost_update``: a write silently overwrote a change its writer never saw.

Every write is based on a version: its ``base_version`` (If-Match), or for a blind write the
last version its process had observed of the record (a read, or its own write). If a field was
changed by another write *after* that version, and this write changes the field again and is
applied, the other change is lost: nobody decided against it, it simply vanished. Only ``ok``
writes count (an ``info`` write may never have happened); a blind write by a process that never
observed the record has no base and is not judged.

Per record the detector keeps, for each field, the version and base of its last definite change,
and per (process, record) the last version observed: O(1) work per operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["LostUpdate"]


_Change = tuple[int, int | None, Operation]
"""(version it made, version its writer had seen, the write)."""


class LostUpdate:
    code: ClassVar[AnomalyCode] = AnomalyCode.LOST_UPDATE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._records: dict[RecordState, tuple[dict[str, int], dict[str, _Change]]] = {}
        """Per record: the last version each process observed, and each field's last change."""
        self._stamped = {s: b.server_fields for s, b in ctx.bindings.systems.items()}
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"write": self._on_write, "create": self._on_write, "read": self._on_read}

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
        (known if known is not None else self._of(rec))[0][op.process] = version

    def _of(self, rec: RecordState) -> tuple[dict[str, int], dict[str, _Change]]:
        known = self._records.get(rec)
        if known is None:
            known = self._records[rec] = ({}, {})
        return known

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
        seen, changes = known if known is not None else self._of(rec)
        process = op.process
        base = based if based is not None else seen.get(process)
        seen[process] = version
        current = rec.values
        stamped = self._stamped.get(op.system, ())
        for local, v in fields.items():
            if local in stamped or current.get(local) == v:
                continue
            last = changes.get(local)
            if last is None:
                changes[local] = (version, base, op)
            elif last[0] < version:
                if base is not None and last[0] > base:
                    self._report(last[2], op, local, base, rec)
                changes[local] = (version, base, op)
            elif last[1] is not None and last[1] < version < last[0]:
                self._report(op, last[2], local, last[1], rec)

    def _report(
        self, lost: Operation, winner: Operation, local: str, base: int, rec: RecordState
    ) -> None:
        words = self._ctx.wording
        binding = self._ctx.bindings.of(rec.system)
        bound = binding.fields.get(local) if binding is not None else None
        field = bound.field if bound is not None else local
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
                    f"{winner.process} (version {winner.new_version}), whose write was based on "
                    f"version {base} and never saw it; nobody decided that the first change "
                    "should be dropped. Writes must send the version they read (If-Match) so "
                    "the second one is refused and decided again."
                ),
            )
        )
