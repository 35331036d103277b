"""Run conflict cases through the reference engine and compare each decision with the expected one.

This is the governance walk-through: ops, clinical and engineering read each case's story, the
decision trail in plain words and whether the engine did what the matrix promises.

Example::

    results = run_cases(engine, policy, cases, clock)
    failed = [r for r in results if not r.passed]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.harness.catalog import CaseWrite, ConflictCase, ExpectedDecision


@dataclass(frozen=True, slots=True)
class Step:
    """One write of a case and what the engine decided, explained in plain words."""

    write_id: str
    given: bool
    system: str
    role: str
    field: str
    kind: str
    reason: str | None
    rule: str
    escalation_owner: str | None
    explanation: str
    expected: ExpectedDecision | None
    mismatches: tuple[str, ...] = ()
    conflict_id: str | None = None


@dataclass(slots=True)
class CaseResult:
    case: ConflictCase
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    resolution: str | None = None

    @property
    def passed(self) -> bool:
        return not self.problems and all(not s.mismatches for s in self.steps)

    @property
    def expected_summary(self) -> str:
        return "; ".join(
            _summary(e.decision, e.reason, e.escalation_owner) for e in self.case.expect.decisions
        )

    @property
    def got_summary(self) -> str:
        return "; ".join(
            _summary(s.kind, s.reason, s.escalation_owner)
            for s in self.steps
            if s.expected is not None
        )

    @property
    def rules(self) -> str:
        return ", ".join(dict.fromkeys(s.rule for s in self.steps if not s.given))

    @property
    def escalation_owners(self) -> str:
        return (
            ", ".join(dict.fromkeys(s.escalation_owner for s in self.steps if s.escalation_owner))
            or "-"
        )


def run_cases(
    engine: Engine, policy: Policy, cases: Sequence[ConflictCase], clock: FixedClock
) -> list[CaseResult]:
    """Run every case on its own person, in order, on one engine."""
    return [run_case(engine, policy, case, clock) for case in cases]


def run_case(engine: Engine, policy: Policy, case: ConflictCase, clock: FixedClock) -> CaseResult:
    result = CaseResult(case=case)
    person = f"{case.person}_{case.id.lower().replace('-', '')}"
    problem = _set_stage(engine, policy, case, person, clock)
    if problem:
        result.problems.append(problem)
    expected = {e.write: e for e in case.expect.decisions}
    for write, at, is_given in case.timeline():
        clock.set(max(clock.now(), at))
        decision = engine.ingest(_to_write(case, write, person, at))
        step = _step(write, is_given, decision, expected.get(write.id))
        if is_given and step.kind != "applied":
            result.problems.append(
                f"set-up write '{write.id}' was {step.kind} ({step.reason}), not applied: the "
                "case's starting state is not reachable under this matrix"
            )
        result.steps.append(step)
    if case.resolve is not None:
        _resolve(engine, case, clock, result)
    _check_winner(engine, case, person, result)
    return result


def _resolve(engine: Engine, case: ConflictCase, clock: FixedClock, result: CaseResult) -> None:
    """The escalation owner settles the case's last conflict, ``after`` its escalation."""
    assert case.resolve is not None
    escalated = [s for s in result.steps if s.conflict_id is not None]
    if not escalated:
        result.problems.append("the case resolves a conflict, but no write was escalated")
        return
    step, plan = escalated[-1], case.resolve
    clock.advance(plan.after)
    resolved = engine.resolve(
        step.conflict_id or "", resolver=plan.resolver or f"{plan.role}-1", role=plan.role,
        reason=plan.reason, chosen_key=case.key_of(case.write_named(plan.choose)),
    )  # fmt: skip
    result.resolution = (
        f"{plan.role} resolved conflict {resolved.conflict_id} after {plan.after} and kept the "
        f"value of write '{plan.choose}', giving the reason: {plan.reason}"
    )


def _set_stage(
    engine: Engine, policy: Policy, case: ConflictCase, person: str, clock: FixedClock
) -> str | None:
    """Put the case's person at its starting stage; a problem in words if that fails."""
    stage_field = policy.fields[policy.stage_field]
    owner = stage_field.owner_at(case.given.stage) or stage_field.owners[0].system
    at = clock.now()
    decision = engine.ingest(
        Write(
            idempotency_key=f"{case.id}:stage",
            source_system=owner,
            source_record=f"{owner}-{person}",
            person=person,
            field=policy.stage_field,
            value=case.given.stage,
            actor="setup",
            role="automation",
            base_version=None,
            occurred_at=at,
            provenance=Provenance.VALIDATED_WORKFLOW,
        )
    )
    if isinstance(decision, FieldApplied):
        return None
    return (
        f"could not put the person at stage {case.given.stage!r}: the stage write was "
        f"{type(decision).__name__}"
    )


def _to_write(case: ConflictCase, write: CaseWrite, person: str, at: datetime) -> Write:
    return Write(
        idempotency_key=case.key_of(write),
        source_system=write.system,
        source_record=write.record or f"{write.system}-{person}",
        person=person,
        field=write.field,
        value=write.value,
        actor=write.actor or f"{write.role}-1",
        role=write.role,
        base_version=write.base_version,
        occurred_at=at,
        provenance=Provenance(write.provenance),
        override_reason=write.override_reason,
        manual=write.manual,
        correlation_id=f"{case.id}:{write.id}",
    )


def _step(
    write: CaseWrite, is_given: bool, decision: Decision, expected: ExpectedDecision | None
) -> Step:
    kind, reason, rule, owner, why = _facts(decision)
    mismatches: list[str] = []
    if expected is not None:
        for name, want, got in (
            ("decision", expected.decision, kind),
            ("reason", expected.reason, reason),
            ("rule", expected.rule, rule),
            ("escalation owner", expected.escalation_owner, owner),
        ):
            if want is not None and want != got:
                mismatches.append(f"{name}: expected {want}, got {got}")
    return Step(
        write_id=write.id,
        given=is_given,
        system=write.system,
        role=write.role,
        field=write.field,
        kind=kind,
        reason=reason,
        rule=rule,
        escalation_owner=owner,
        explanation=why,
        expected=expected,
        mismatches=tuple(mismatches),
        conflict_id=decision.conflict_id if isinstance(decision, ConflictEscalated) else None,
    )


def _facts(decision: Decision) -> tuple[str, str | None, str, str | None, str]:
    if isinstance(decision, DuplicateDelivery):
        _, _, rule, _, why = _facts(decision.first)
        return (
            "duplicate_delivery",
            None,
            rule,
            None,
            (
                "the same write arrived again with the same idempotency key; the first decision "
                f"stands and nothing changes. First decision: {why}"
            ),
        )
    if isinstance(decision, FieldApplied):
        return "applied", None, decision.rule, None, decision.explanation
    if isinstance(decision, WriteRejected):
        return "rejected", decision.reason.value, decision.rule, None, decision.explanation
    if isinstance(decision, ConflictEscalated):
        return ("escalated", None, decision.rule, decision.escalation_owner, decision.explanation)
    raise TypeError(f"unknown decision type {type(decision).__name__}")


def _check_winner(engine: Engine, case: ConflictCase, person: str, result: CaseResult) -> None:
    if case.expect.winner is None:
        return
    winner = next(w for w, _, _ in case.timeline() if w.id == case.expect.winner)
    state = engine.field(person, case.winner_field)
    if state.idempotency_key != case.key_of(winner):
        holder = next(
            (w.id for w, _, _ in case.timeline() if case.key_of(w) == state.idempotency_key),
            "nobody",
        )
        result.problems.append(
            f"field {case.winner_field!r} should hold the value of write "
            f"'{case.expect.winner}', but holds the value of '{holder}'"
        )


def _summary(kind: str, reason: str | None, owner: str | None) -> str:
    if reason:
        return f"{kind} ({reason})"
    if owner:
        return f"{kind} -> {owner}"
    return kind
