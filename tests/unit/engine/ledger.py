"""A tiny in-test store (dicts) that runs writes through ``decide`` and ``apply``.

It plays the store's part of DESIGN §4: it looks up the first decision per idempotency key, the
field's state and the person's stage (the canonical value of ``policy.stage_field``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from splitbrain.engine.domain.decide import FirstDecision, apply, decide
from splitbrain.engine.domain.decisions import Decision, DuplicateDelivery
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.domain.write import FieldState, Write


@dataclass(frozen=True, slots=True)
class Entry:
    decision: Decision
    stage: str
    """The person's stage when the write was decided."""


@dataclass
class Ledger:
    policy: Policy
    first: dict[str, FirstDecision] = field(default_factory=dict)
    states: dict[tuple[str, str], FieldState] = field(default_factory=dict)
    log: list[Entry] = field(default_factory=list)

    def state(self, person: str, field_name: str) -> FieldState:
        return self.states.get((person, field_name)) or FieldState.empty(person, field_name)

    def stage(self, person: str) -> str:
        value = self.state(person, self.policy.stage_field).value
        return self.policy.stages[0] if value is None else value

    def submit(self, write: Write, now: datetime) -> Decision:
        prior = self.first.get(write.idempotency_key)
        state = self.state(write.person, write.field)
        stage = self.stage(write.person)
        decision = decide(write, state, stage, self.policy, prior=prior, now=now)
        if prior is None and not isinstance(decision, DuplicateDelivery):
            self.first[write.idempotency_key] = decision
        self.states[(write.person, write.field)] = apply(state, decision)
        self.log.append(Entry(decision, stage))
        return decision
