"""A fixed write-path workload and what a store keeps of it: audit rows, decisions, states.

``tests/integration/data/write_path_pinned.json`` holds what the engine at 512fa9b wrote for
this workload on SQLite (``python -m tests.integration.pinned_write_path OUT`` writes such a
file from the engine on the path: decision bodies, audit rows and field-state rows, and the
field states as the engine reads them back);
``test_write_path_bytes_are_pinned`` holds later engines to the same bytes, so a chain written
before a change still verifies after it and nothing the store keeps moves.

The workload mixes every decision kind (applied, rejected, escalated, duplicate deliveries),
identifiers that are no codes (fingerprinted in the log), manual overrides, a seed, a conflict
resolution and overdue escalations, over two persons, from a seeded generator. It runs on the
telehealth test policy: a deliberate change to that policy (or to this workload) changes the
rows; write the file again then, from the engine before your change, and say so.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from splitbrain.engine.adapters.store_records import dump_decision
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import ConflictEscalated
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.clock import FixedClock
from tests.properties.write_path_strategies import row_writers
from tests.unit.audit.factories import KEYS
from tests.unit.engine.builders import T0, minutes
from tests.unit.engine.telehealth_policy import telehealth_policy

Pinned = dict[str, Any]
"""``{"decisions": [...], "audit": [[seq, version, prev, hash, event], ...], "states": [...]}``"""

PERSONS = ("per_0001", "per_0002")
SYSTEMS = ("ehr", "crm", "portal")
ROLES = (
    "provider", "nurse", "front_desk", "intake_ops", "growth_ops", "clinical_ops",
    "care_coordinator", "support", "patient", "automation",
)  # fmt: skip
VALUES: dict[str, tuple[str | None, ...]] = {
    "legal_name": ("Ana Synthetic", "Ana Synthetic-Test", "A. Synthetic", None),
    "date_of_birth": ("1980-02-29", "1980-02-28", "29/02/1980"),
    "care_stage": ("New Lead", "Intake Started", "Qualified", "Active Patient", "Discharged",
                   "in_care", "Churned"),
    "medication_plan": ("semaglutide 0.25 mg weekly", "semaglutide 0.5 mg weekly", None),
    "follow_up_completion": ("true", "false", "yes", "maybe"),
    "contact_preference": ("SMS", "E-mail", "text message", "call me", "Phone call"),
    "mobile_phone": ("+1 555-0100", "+1 555-0101", "555 0102", "x"),
    "email": ("ana@example.org", "ana.s@example.net", "not-an-email"),
    "clinical_status": ("active", "on-hold", "Paused", "completed"),
}  # fmt: skip
"""The workload's own copy of the write-path strategies' values (synthetic): the pinned bytes
must not move when those strategies change."""

_ODD_IDS = ("ana@example.org", "Ana Synthetic", "+1 555 0100")
"""Identifiers that are no codes: the log holds their fingerprints."""


def pinned_writes(n: int = 160, seed: int = 2) -> list[Write]:
    """``n`` writes from a seeded generator; every 9th repeats an earlier one."""
    rng = random.Random(seed)
    policy = telehealth_policy()
    fields = sorted(VALUES)
    writes: list[Write] = []
    for i in range(n):
        if i % 9 == 8:
            writes.append(replace(writes[rng.randrange(len(writes))], correlation_id="retry-2"))
            continue
        field = rng.choice(fields)
        odd = rng.random() < 0.08
        own = row_writers(policy, field)
        system, role = (
            rng.choice(own) if rng.random() < 0.7 else (rng.choice(SYSTEMS), rng.choice(ROLES))
        )
        write = Write(
            idempotency_key=f"evt-{i}" if not odd else f"evt {i} from {_ODD_IDS[i % 3]}",
            source_system=system,
            source_record=f"rec-{i % 5}",
            person=rng.choice(PERSONS),
            field=field,
            value=rng.choice(VALUES[field]),
            actor=f"usr_{i % 4}" if not odd else _ODD_IDS[(i + 1) % 3],
            role=role,
            base_version=rng.choice((None, None, 0, 1, 2)),
            occurred_at=minutes(rng.randrange(60)),
            provenance=rng.choice(list(Provenance)),
            correlation_id=rng.choice((None, f"corr-{i}", _ODD_IDS[i % 3])),
        )
        if rng.random() < 0.1:
            write = replace(write, manual=True, override_reason="chart reviewed by lead")
        writes.append(write)
    return writes


def run_pinned(store: str, *, batch_size: int = 1) -> Pinned:
    """Run the workload on a fresh engine over ``store``; what it kept."""
    clock = FixedClock(T0)
    engine = bootstrap(
        store=store, policy=telehealth_policy(), clock=clock, keys=KEYS, batch_size=batch_size
    )
    engine.seed(
        FieldState(
            person="per_0002",
            field="care_stage",
            value="in_care",
            version=1,
            provenance=Provenance.VALIDATED_WORKFLOW,
            system="ehr",
            role="clinical_ops",
            occurred_at=minutes(-10),
            idempotency_key="seed-1",
        )
    )
    decisions: list[str] = []
    escalated: list[ConflictEscalated] = []
    for n, write in enumerate(pinned_writes()):
        clock.advance(timedelta(seconds=n % 3))
        decision = engine.ingest(write)
        decisions.append(dump_decision(decision))
        if isinstance(decision, ConflictEscalated):
            escalated.append(decision)
    if len(escalated) > 1:  # one resolved, the others left to go overdue
        first = escalated[0]
        engine.resolve(
            first.conflict_id,
            resolver="usr_lead",
            role=first.escalation_owner,
            reason="checked with the patient",
            chosen_key=first.write.idempotency_key,
        )
    clock.advance(timedelta(days=3))
    engine.escalate_overdue()
    engine.flush()
    audit = [
        [e.seq, e.hash_version, e.prev_hash, e.hash, e.event.canonical_bytes().decode()]
        for e in engine.audit_entries()
    ]
    states = [_state(engine.field(person, field)) for person in PERSONS for field in sorted(VALUES)]
    engine.close()
    return {"decisions": decisions, "audit": audit, "states": states}


def sqlite_rows(path: Path) -> Pinned:
    """What a SQLite store file holds: decision bodies, audit rows and field-state rows."""
    conn = sqlite3.connect(path)
    try:
        return {
            "decisions": [b for (b,) in conn.execute("SELECT body FROM decisions ORDER BY seq")],
            "audit": [
                list(row)
                for row in conn.execute(
                    "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log ORDER BY seq"
                )
            ],
            "states": [
                list(row)
                for row in conn.execute("SELECT * FROM field_state ORDER BY person, field")
            ],
        }
    finally:
        conn.close()


def _state(state: FieldState) -> list[Any]:
    at = state.occurred_at
    return [
        state.person,
        state.field,
        state.value,
        state.version,
        None if state.provenance is None else state.provenance.value,
        state.system,
        state.role,
        None if at is None else at.isoformat(),
        state.idempotency_key,
    ]


if __name__ == "__main__":  # the fixture, from the engine on the path
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "pinned.sqlite"
        pinned = run_pinned(f"sqlite:{db}")
        fixture = {"sqlite": sqlite_rows(db), "states": pinned["states"]}
    Path(sys.argv[1]).write_text(json.dumps(fixture, indent=0, ensure_ascii=False) + "\n")
