"""Pure ``decide()`` decisions per second, in process, on a realistic mix of writes.

    python bench/bench_decide.py [--writes 100000] [--persons 2000] [--matrix PATH] [--repeat 3]

The workload runs once through ``decide`` + ``apply`` over a dict store, recording each call's
inputs (write, field state, stage, prior decision). The timed loop then replays exactly those
calls to ``decide`` alone, so the figure is the decision function and nothing else. The mix,
over the rows of the shipped telehealth matrix: writes on the current version by the owner or an
allowed secondary writer, blind writes (the precedence ladder), stale writes (the rows' conflict
rules; some escalate), writes by systems that do not own the field, malformed and unmapped
values, manual edits of critical fields without a reason, and redeliveries (duplicates). The
outcome counts are printed so the mix can be checked.

Baseline, measured in the same run: constructing the same number of ``Write`` objects from
tuples (the least any write path must do per write). Target: >= 50,000 decisions/s on one core.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.decide import FirstDecision, apply, decide
from splitbrain.engine.domain.decisions import Decision, DuplicateDelivery, WriteRejected
from splitbrain.engine.domain.policy import FieldPolicy, Policy, Provenance, ValueKind
from splitbrain.engine.domain.write import FieldState, Write

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MATRIX = Path(__file__).resolve().parent.parent / "scenarios" / "matrices" / "telehealth.yaml"
Call = tuple[Write, FieldState, str, FirstDecision | None]

# (kind of write, weight): the mix of a busy day of sync traffic.
MIX = (
    ("fresh", 40),
    ("blind", 20),
    ("stale", 10),
    ("not_owner", 10),
    ("invalid", 5),
    ("no_reason", 3),
    ("stage_move", 5),
    ("duplicate", 7),
)


def _value(row: FieldPolicy, policy: Policy, system: str, n: int, rng: random.Random) -> str:
    if row.kind is ValueKind.ENUM and row.enum is not None:
        table = policy.enums[row.enum]
        local = list(table.by_system.get(system, {}))
        return rng.choice(local or list(table.canonical))
    return {
        ValueKind.STRING: f"synthetic-{n}",
        ValueKind.DATE: f"1980-01-{1 + n % 28:02d}",
        ValueKind.BOOLEAN: rng.choice(("true", "false")),
        ValueKind.PHONE: f"+1 555-01{n % 100:02d}",
        ValueKind.EMAIL: f"p{n}@example.org",
    }[row.kind]


def _writer(row: FieldPolicy, stage: str, rng: random.Random) -> tuple[str, str, str | None]:
    """An allowed (system, role) at ``stage``, and a forced value when the writer needs one."""
    owner = row.owner_at(stage) or row.owners[0].system
    choices: list[tuple[str, str, str | None]] = [
        (owner, role, None) for role in sorted(row.owner_roles or {"support"})
    ]
    for writer in row.secondary:
        if writer.stages is None or stage in writer.stages:
            forced = sorted(writer.values)[0] if writer.values else None
            choices.append((writer.system or owner, writer.role or "support", forced))
    return rng.choice(choices)


class _Workload:
    """Generates writes against a dict store and records each decide() call's inputs."""

    def __init__(self, policy: Policy, persons: int, seed: int) -> None:
        self.policy, self.persons, self.rng = policy, persons, random.Random(seed)
        self.fields = [f for f in policy.fields if f != policy.stage_field]
        self.states: dict[tuple[str, str], FieldState] = {}
        self.first: dict[str, FirstDecision] = {}
        self.seen: list[Write] = []
        self.written: list[tuple[str, str]] = []
        """(person, field) pairs with a version, for stale writes to pick from."""
        self.calls: list[Call] = []
        self.outcomes: Counter[str] = Counter()

    def state(self, person: str, field: str) -> FieldState:
        return self.states.get((person, field)) or FieldState.empty(person, field)

    def stage(self, person: str) -> str:
        value = self.state(person, self.policy.stage_field).value
        return self.policy.stages[0] if value is None else value

    def run(self, n: int) -> list[Call]:
        kinds, weights = zip(*MIX, strict=True)
        for i in range(n):
            kind = self.rng.choices(kinds, weights)[0]
            self.submit(self.make(kind, i))
        return self.calls

    def make(self, kind: str, i: int) -> Write:
        rng, policy = self.rng, self.policy
        if kind == "duplicate" and self.seen:
            return rng.choice(self.seen)
        person = f"per_{rng.randrange(self.persons):06d}"
        field = policy.stage_field if kind == "stage_move" else rng.choice(self.fields)
        if kind == "stale" and self.written:
            person, field = rng.choice(self.written)
        row, stage = policy.fields[field], self.stage(person)
        system, role, forced = _writer(row, stage, rng)
        if kind == "not_owner":
            system, role = rng.choice([s for s in policy.systems if s != system]), "growth_ops"
        value = forced or _value(row, policy, system, i, rng)
        if kind == "stage_move" and row.enum is not None and not forced:
            value = rng.choice(policy.stages)
        version = self.state(person, field).version
        base: int | None = version
        if kind == "blind":
            base = None
        elif kind == "stale":
            base = max(0, version - 1 - rng.randrange(2))
        write = Write(
            idempotency_key=f"{system}:evt-{i}", source_system=system,
            source_record=f"{system}-{i}", person=person, field=field, value=value,
            actor=f"usr_{i % 97}", role=role,
            base_version=base, occurred_at=T0 + timedelta(seconds=i - rng.randrange(600)),
            provenance=rng.choice(tuple(Provenance)), manual=kind == "no_reason",
        )  # fmt: skip
        if kind == "invalid":
            write = replace(write, value="   ")
        last = self.state(person, field).occurred_at
        if kind == "stale" and last is not None and rng.random() < 0.5:
            write = replace(write, occurred_at=last - timedelta(minutes=1))  # a retried old sync
        return write

    def submit(self, write: Write) -> None:
        prior = self.first.get(write.idempotency_key)
        state = self.state(write.person, write.field)
        stage = self.stage(write.person)
        self.calls.append((write, state, stage, prior))
        decision = decide(write, state, stage, self.policy, prior=prior, now=write.occurred_at)
        if prior is None and not isinstance(decision, DuplicateDelivery):
            self.first[write.idempotency_key] = decision
            self.seen.append(write)
        after = apply(state, decision)
        self.states[(write.person, write.field)] = after
        if after.version == 1 and state.version == 0:
            self.written.append((write.person, write.field))
        self.outcomes[_outcome(decision)] += 1


def _outcome(decision: Decision) -> str:
    if isinstance(decision, WriteRejected):
        return f"rejected:{decision.reason.value}"
    return type(decision).__name__


def _best_alternating(repeat: int, *loops: Callable[[], object]) -> list[float]:
    """Best time of each loop over ``repeat`` rounds, the loops interleaved within each round
    so that a noisy neighbour slows them alike."""
    best = [float("inf")] * len(loops)
    for _ in range(repeat):
        for index, loop in enumerate(loops):
            start = time.perf_counter()
            loop()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--matrix", type=Path, default=MATRIX)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    policy = load_policy(args.matrix)
    workload = _Workload(policy, args.persons, args.seed)
    calls = workload.run(args.writes)
    now = T0 + timedelta(days=1)
    rows = [
        (w.idempotency_key, w.source_system, w.source_record, w.person, w.field, w.value, w.actor,
         w.role, w.base_version, w.occurred_at, w.provenance)
        for w, _, _, _ in calls
    ]  # fmt: skip

    def decide_all() -> None:
        for write, state, stage, prior in calls:
            decide(write, state, stage, policy, prior=prior, now=now)

    def construct_all() -> None:
        for row in rows:
            Write(*row)

    n = len(calls)
    decide_s, baseline_s = _best_alternating(args.repeat, decide_all, construct_all)
    rate, baseline = n / decide_s, n / baseline_s

    print(f"matrix {policy.label}: {n:,} decide() calls over {args.persons:,} persons")
    for outcome, count in workload.outcomes.most_common():
        print(f"  {outcome:<40} {count / n:6.1%}")
    print(f"pure decide():        {rate:10,.0f} decisions/s ({1e6 / rate:.2f} us each)")
    print(f"baseline (new Write): {baseline:10,.0f} writes/s    ({1e6 / baseline:.2f} us each)")
    cost = baseline / rate
    print(f"ratio to baseline:    {rate / baseline:10.3f} (a decide() costs {cost:.2f} Writes)")
    print(f"target >= 50,000/s:   {'met' if rate >= 50_000 else 'NOT MET on this machine'}")


if __name__ == "__main__":
    main()
