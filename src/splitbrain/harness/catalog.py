"""The conflict catalog: realistic conflict cases as data (``scenarios/conflicts/*.yaml``).

Each case names a person's starting state, the competing writes (who, role, system, provenance,
versions, times) and the expected outcome: a decision per write, the winner, the rule and the
escalation owner. The governance demo and the Gherkin suites run the same cases.

Example (one file, one case)::

    id: CC-04
    title: An automation tries to overwrite the provider's medication plan
    given:
      stage: in_care
      writes:
        - {id: seed, system: ehr, role: provider, field: medication_plan,
           value: "semaglutide 0.25 mg weekly", provenance: provider_verified}
    writes:
      - {id: w1, system: crm, role: automation, field: medication_plan,
         value: "semaglutide 1 mg weekly", provenance: automation, base_version: 1}
    expect:
      decisions:
        - {write: w1, decision: rejected, reason: not_owner}
      winner: seed
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from splitbrain.matrix.model import parse_sla
from splitbrain.matrix.source import load_yaml_model

DecisionKind = Literal["applied", "rejected", "escalated", "duplicate_delivery"]

_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseWrite(_Strict):
    """One write of a case. Times default to one minute apart, in file order."""

    id: str
    system: str
    role: str
    field: str
    value: str | None
    provenance: Literal["provider_verified", "validated_workflow", "user_entered", "automation"]
    actor: str | None = None
    record: str | None = None
    base_version: int | None = None
    at: datetime | None = None
    manual: bool = False
    override_reason: str | None = None
    key: str | None = None
    """The idempotency key; defaults to ``<case id>:<write id>``. Reuse one to model a retry."""

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a time needs a UTC offset, e.g. 2026-01-05T09:00:00Z")
        return value


class Given(_Strict):
    """The starting state: the person's stage and the writes that set up field values."""

    stage: str
    writes: tuple[CaseWrite, ...] = ()


class Resolution(_Strict):
    """The escalation owner settles the case's conflict: who, why, which write, how much later."""

    role: str
    reason: str
    choose: str
    """The id of the write whose value the owner keeps (a given or case write)."""
    after: Annotated[timedelta, BeforeValidator(parse_sla)] = timedelta(hours=1)
    """How long after the escalation the owner acts, in the matrix's SLA form (``30m``, ``2h``)."""
    resolver: str | None = None


class ExpectedDecision(_Strict):
    write: str
    decision: DecisionKind
    reason: str | None = None
    rule: str | None = None
    escalation_owner: str | None = None

    @model_validator(mode="after")
    def _reason_only_for_rejections(self) -> ExpectedDecision:
        if self.reason is not None and self.decision != "rejected":
            raise ValueError("'reason' belongs to a rejected decision only")
        if self.escalation_owner is not None and self.decision != "escalated":
            raise ValueError("'escalation_owner' belongs to an escalated decision only")
        return self


class Expect(_Strict):
    decisions: tuple[ExpectedDecision, ...]
    winner: str | None = None
    """The id of the write whose value the field holds at the end (given or case write)."""
    field: str | None = None
    """The field the winner is read from; defaults to the last write's field."""


class ConflictCase(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2}-\d{2,3}$")
    title: str
    story: str = ""
    """Who does what, in plain words, for the governance walk-through."""
    person: str = "per_ana"
    given: Given
    writes: tuple[CaseWrite, ...]
    resolve: Resolution | None = None
    """When set, the last escalated write's conflict is resolved by its owner; ``expect.winner``
    then names the value after the resolution."""
    expect: Expect

    @model_validator(mode="after")
    def _references_resolve(self) -> ConflictCase:
        if not self.writes:
            raise ValueError("a case needs at least one write under 'writes'")
        ids = [w.id for w in (*self.given.writes, *self.writes)]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"write ids must be unique within a case; repeated: {duplicated}")
        case_ids = {w.id for w in self.writes}
        for expected in self.expect.decisions:
            if expected.write not in case_ids:
                raise ValueError(f"expect.decisions names unknown write '{expected.write}'")
        if self.expect.winner is not None and self.expect.winner not in ids:
            raise ValueError(f"expect.winner names unknown write '{self.expect.winner}'")
        if self.resolve is not None and self.resolve.choose not in ids:
            raise ValueError(f"resolve.choose names unknown write '{self.resolve.choose}'")
        return self

    def timeline(self) -> Iterator[tuple[CaseWrite, datetime, bool]]:
        """Every write in order with its effective time and whether it is set-up (given)."""
        for offset, (write, is_given) in enumerate(
            [(w, True) for w in self.given.writes] + [(w, False) for w in self.writes]
        ):
            yield write, write.at or _EPOCH + timedelta(minutes=offset), is_given

    def key_of(self, write: CaseWrite) -> str:
        return write.key or f"{self.id}:{write.id}"

    def write_named(self, write_id: str) -> CaseWrite:
        return next(w for w in (*self.given.writes, *self.writes) if w.id == write_id)

    @property
    def winner_field(self) -> str:
        return self.expect.field or self.writes[-1].field


def load_case(path: Path) -> ConflictCase:
    """Load and validate one case file; errors name the file, the YAML path and the line."""
    return load_yaml_model(path, ConflictCase)


def load_catalog(directory: Path) -> list[ConflictCase]:
    """Every ``*.yaml`` case under ``directory``, sorted by id; ids must be unique."""
    cases = [load_case(p) for p in sorted(directory.glob("*.yaml"))]
    seen: dict[str, int] = {}
    for case in cases:
        seen[case.id] = seen.get(case.id, 0) + 1
    repeated = sorted(i for i, n in seen.items() if n > 1)
    if repeated:
        raise ValueError(f"conflict case ids must be unique in {directory}; repeated: {repeated}")
    return sorted(cases, key=lambda c: c.id)
