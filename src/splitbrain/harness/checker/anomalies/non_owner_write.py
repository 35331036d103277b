"""``non_owner_write``: the SUT spread a value written by someone the matrix does not allow.

The world lets anyone type anything into their own system (the CRM does not know the matrix).
The SUT must not carry such a value any further. When the SUT writes a value into a system, the
detector traces it to its origin write (``state.py`` lineage) and asks the ownership matrix
whether that writer, in that system, with that role, at the person's stage then, could write the
field: the owner at the stage (within ``owner_roles``), or an allowed secondary writer. If the
history cannot tell the role or the stage, any role or stage that would allow it is assumed (no
finding without certainty). A value the setup seeded into a non-owner system (a CRM contact's
transposed birth date) is judged the same way when the SUT copies it into the owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.engine.domain.policy import FieldPolicy
from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import Origin, RecordState

__all__ = ["NonOwnerWrite", "may_write"]


def may_write(field: FieldPolicy, stages: tuple[str, ...], system: str, role: str | None) -> bool:
    """Could ``system`` (as ``role``; None = unknown) write ``field`` at any of ``stages``?"""
    for stage in stages:
        owner = field.owner_at(stage)
        if system == owner and (
            role is None or field.owner_roles is None or role in field.owner_roles
        ):
            return True
        if system != owner and field.immutable_outside_owner:
            continue
        for writer in field.secondary:
            if (
                writer.system in (None, system)
                and (role is None or writer.role in (None, role))
                and (writer.stages is None or stage in writer.stages)
            ):
                return True
    return False


class NonOwnerWrite:
    code: ClassVar[AnomalyCode] = AnomalyCode.NON_OWNER_WRITE

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._is_sut = ctx.actors.sut_lookup
        self._verdicts: dict[tuple[str, str, str | None, str | None], bool] = {}
        self._reported: set[tuple[int, str, str, str]] = set()
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"write@bound": self._on_write, "create@bound": self._on_write}

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_write(self, op: Operation, rec: RecordState | None) -> None:
        state = self._ctx.state
        if op.type != OK or rec is None or not state.bound or not self._is_sut(op.process):
            return
        for _, _, v in state.bound:
            origin = state.origin(v)
            if origin is None or origin.op.system == op.system:
                continue
            if self._allowed(origin):
                continue
            mark = (origin.op.index, origin.op.file, op.system, op.key)
            if mark not in self._reported:
                self._reported.add(mark)
                self._report(op, rec, origin)

    def _allowed(self, origin: Origin) -> bool:
        field = self._ctx.policy.fields.get(origin.binding.field)
        if field is None:
            return True
        role = self._ctx.actors.role_of(origin.op.process)
        key = (field.name, origin.op.system, role, origin.stage)
        verdict = self._verdicts.get(key)
        if verdict is None:
            stages = (origin.stage,) if origin.stage else tuple(self._ctx.policy.stages)
            verdict = may_write(field, stages, origin.op.system, role)
            self._verdicts[key] = verdict
        return verdict

    def _report(self, op: Operation, rec: RecordState, origin: Origin) -> None:
        words = self._ctx.wording
        policy = self._ctx.policy
        field = policy.fields[origin.binding.field]
        writer = origin.op.process
        role = self._ctx.actors.role_of(writer)
        as_role = f" as {role}" if role else ""
        stage = origin.stage or "any stage"
        owner = field.owner_at(origin.stage) if origin.stage else None
        owned = f"owned by {words.system(owner)} at stage {stage}" if owner else "owned elsewhere"
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(origin.op.witness("write by a non-owner"), op.witness("copied on")),
                person=rec.label(),
                field=field.name,
                system=op.system,
                explanation=(
                    f"{words.field(field.name)} of {rec.label()} is {owned}; "
                    f"{words.system(origin.op.system)}{as_role} may not change it (matrix "
                    f"{policy.label}, row {field.name}). {writer} changed it in "
                    f"{words.system(origin.op.system)} and {op.process} copied that value into "
                    f"{words.system(op.system)} ({op.key}) instead of refusing it and keeping "
                    "the owner's value."
                ),
            )
        )
