"""``phi_leak``: a restricted value, or a canary, reached a system its class keeps it out of.

Histories hold value ids, so leaks are found by id: the ground truth gives the value id of every
person's restricted values (the diagnosis note and the medication plan, both carrying the
person's canary) and of the canary token itself (``truth.py``). A value of matrix field F may
live in F's owner systems and in the systems F's sync direction copies it to *in full*; a
``*_summary`` direction sends a summary, never the value, and ``read_only`` keeps it home. Any
write by the SUT that puts such a value anywhere else is a leak, whatever field it went into,
and wherever inside that field: a value nested in a map or a list (``custom.medication_plan``)
is found by the ids of the containers the truth traces (``Truth.nested``), and the finding
names its path, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.engine.domain.policy import FieldPolicy, Policy, SyncDirection
from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation
from splitbrain.harness.checker.state import RecordState
from splitbrain.harness.checker.truth import Restricted

__all__ = ["PhiLeak", "allowed_systems"]

_FULL_COPY: Mapping[SyncDirection, tuple[str, ...]] = {
    SyncDirection.EHR_TO_CRM: ("crm",),
    SyncDirection.CRM_TO_EHR: ("ehr",),
    SyncDirection.PORTAL_TO_CRM: ("crm",),
    SyncDirection.PORTAL_TO_EHR: ("ehr",),
}
_EVERYWHERE = frozenset(
    {
        SyncDirection.PORTAL_TO_ALL,
        SyncDirection.BIDIRECTIONAL,
        SyncDirection.BIDIRECTIONAL_BY_STAGE,
        SyncDirection.BIDIRECTIONAL_WITH_VERSION_CHECK,
    }
)


def allowed_systems(field: FieldPolicy, policy: Policy) -> frozenset[str]:
    """Where a value of ``field`` may be held: its owners and its full-copy destinations."""
    owners = {owner.system for owner in field.owners}
    if field.sync in _EVERYWHERE:
        return frozenset(policy.systems)
    return frozenset(owners | set(_FULL_COPY.get(field.sync, ())))


class PhiLeak:
    code: ClassVar[AnomalyCode] = AnomalyCode.PHI_LEAK

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._restricted = ctx.truth.restricted if ctx.truth is not None else {}
        self._nested = ctx.truth.nested if ctx.truth is not None else {}
        self._allowed: dict[str, frozenset[str]] = {}
        self._reported: set[tuple[str, str, str]] = set()
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"write@sut": self._on_write, "create@sut": self._on_write}

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_write(self, op: Operation, rec: RecordState | None) -> None:
        if op.type != OK or not self._restricted:
            return
        restricted, nested = self._restricted, self._nested
        for local, v in op.written().items():
            path = local
            hit = restricted.get(v)
            if hit is None:
                inside = nested.get(v)
                if inside is None:
                    continue
                hit, path = inside[0], local + inside[1]
            if op.system not in self._systems_for(hit.field):
                mark = (op.system, op.key, v)
                if mark not in self._reported:
                    self._reported.add(mark)
                    self._report(op, path, hit)

    def _systems_for(self, field: str) -> frozenset[str]:
        allowed = self._allowed.get(field)
        if allowed is None:
            policy = self._ctx.policy.fields.get(field)
            systems = self._ctx.policy.systems
            allowed = allowed_systems(policy, self._ctx.policy) if policy else frozenset(systems)
            self._allowed[field] = allowed
        return allowed

    def _report(self, op: Operation, path: str, hit: Restricted) -> None:
        words = self._ctx.wording
        policy = self._ctx.policy.fields[hit.field]
        homes = " and ".join(words.system(s) for s in sorted(self._systems_for(hit.field)))
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(op.witness("restricted value written"),),
                person=hit.person,
                field=hit.field,
                system=op.system,
                explanation=(
                    f"A {policy.disclosure.value.replace('_', ' ')} value of {hit.person} (their "
                    f"{words.field(hit.field)}, carrying their canary) was written by "
                    f"{op.process} into {words.system(op.system)} ({op.key}, field {path!r}). "
                    f"The matrix keeps it in {homes} only (sync {policy.sync.value}). Remove it "
                    f"from {words.system(op.system)} and close the path that copied it."
                ),
            )
        )
