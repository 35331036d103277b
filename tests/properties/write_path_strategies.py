"""Hypothesis strategies for the write path: writes against the telehealth test policy.

Writers are drawn half from the row's own writers (owners and secondary writers) and half from
anyone, so sequences mix applied, refused, stale and escalated writes. Minutes are drawn from a
small range so equal times (and exact ties) happen.
"""

from __future__ import annotations

from hypothesis import strategies as st

from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import Write
from tests.unit.engine.builders import minutes

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


def row_writers(policy: Policy, field: str) -> list[tuple[str, str]]:
    """(system, role) pairs the row names: owners (with their roles) and secondary writers."""
    row = policy.fields[field]
    pairs = []
    for owner in row.owners:
        roles = (
            sorted(row.owner_roles) if row.owner_roles is not None else ["front_desk", "support"]
        )
        pairs += [(owner.system, role) for role in roles]
    for writer in row.secondary:
        for system in [writer.system] if writer.system else list(SYSTEMS):
            pairs += [(system, role) for role in ([writer.role] if writer.role else ["support"])]
    return pairs


def _combos(policy: Policy, *, own: bool) -> list[Combo]:
    """(field, system, role, value) rows: by the row's own writers, or by anyone."""
    combos: list[Combo] = []
    for field, values in sorted(VALUES.items()):
        pairs = row_writers(policy, field) if own else [(s, r) for s in SYSTEMS for r in ROLES]
        combos += [(field, system, role, value) for system, role in pairs for value in values]
    return combos


Combo = tuple[str, str, str, str | None]
Row = tuple[Combo, str, int | None, int, Provenance, bool, str | None]


def _build(key: str, row: Row) -> Write:
    (field, system, role, value), person, base, minute, provenance, manual, reason = row
    return Write(
        idempotency_key=key,
        source_system=system,
        source_record=f"{system}-rec-1",
        person=person,
        field=field,
        value=value,
        actor=f"usr_{role}",
        role=role,
        base_version=base,
        occurred_at=minutes(minute),
        provenance=provenance,
        override_reason=reason if manual else None,
        manual=manual,
    )


def write_sequences(
    policy: Policy,
    *,
    min_size: int = 1,
    max_size: int = 24,
    fields: tuple[str, ...] | None = None,
    own_writers_only: bool = False,
    persons: tuple[str, ...] = PERSONS,
) -> st.SearchStrategy[list[Write]]:
    """Writes by anyone (or only the rows' own writers), on any or no base version.

    Keys are k0, k1, ... in sequence order. ``fields`` limits the fields written, to make
    contested sequences with long version chains.
    """
    own = [c for c in _combos(policy, own=True) if fields is None or c[0] in fields]
    anyone = [c for c in _combos(policy, own=False) if fields is None or c[0] in fields]
    combos = (
        st.sampled_from(own) if own_writers_only else st.sampled_from(own) | st.sampled_from(anyone)
    )
    row = st.tuples(
        combos,
        st.sampled_from(persons),
        st.none() | st.integers(0, 5),
        st.integers(0, 6),
        st.sampled_from(Provenance),
        st.booleans(),
        st.none() | st.just("clinical review"),
    )
    rows = st.lists(row, min_size=min_size, max_size=max_size)
    return rows.map(lambda drawn: [_build(f"k{i}", r) for i, r in enumerate(drawn)])
