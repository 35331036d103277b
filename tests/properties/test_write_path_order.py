"""Property: where a rule promises it, concurrent writes end in the same state in any order.

Concurrent writes all saw the same version (the same ``base_version``): the first to arrive
applies, and each later one meets the row's rule as a stale write. Each promise below says when
its rule decides every pair, and which write must end up as the field's value: a model far
simpler than the engine (a ``max`` over the writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState, Write
from tests.unit.engine.builders import minutes
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()
PERSON = "per_0001"
_VALIDATED = {Provenance.VALIDATED_WORKFLOW, Provenance.PROVIDER_VERIFIED}


@dataclass(frozen=True)
class Promise:
    """Writers of the row (system, role, values), which writes the rule prefers, the winner.

    The promise holds when at least one write is preferred; ``make_preferred`` turns a write
    into a preferred one so that every drawn scenario falls under the promise.
    """

    writers: tuple[tuple[str, str, tuple[str, ...]], ...]
    preferred: Callable[[Write], bool]
    winner: Callable[[list[Write]], Write]
    make_preferred: Callable[[Write], Write] = lambda w: w
    make_other: Callable[[Write], Write] | None = None
    """Set for authority rules: they promise order independence for one preferred write among
    others, not between two preferred writes (a concurrent edit by equals escalates)."""


def _latest(preferred: Callable[[Write], bool]) -> Callable[[list[Write]], Write]:
    return lambda writes: max((w for w in writes if preferred(w)), key=lambda w: w.occurred_at)


def _crm_owner(write: Write) -> bool:
    return write.source_system == "crm" and write.role != "clinical_ops"


_EMAILS = ("ana@example.org", "ana.s@example.net", "a.syn@example.com")
PROMISES = {
    "email": Promise(  # precedence_ladder: the highest provenance, then the latest
        writers=(("crm", "support", _EMAILS), ("crm", "automation", _EMAILS),
                 ("portal", "patient", _EMAILS), ("ehr", "front_desk", _EMAILS)),
        preferred=lambda w: True,
        winner=lambda ws: max(ws, key=lambda w: (w.provenance.rank, w.occurred_at)),
    ),
    "care_stage": Promise(  # owner_authoritative: the crm owner's write over clinical_ops
        writers=(("crm", "intake_ops", ("Intake Started", "Qualified")),
                 ("crm", "growth_ops", ("Qualified", "Active Patient")),
                 ("crm", "clinical_ops", ("Active Patient", "Discharged"))),
        preferred=_crm_owner,
        winner=_latest(_crm_owner),
        make_preferred=lambda w: replace(w, role="intake_ops", value="Qualified"),
        make_other=lambda w: replace(w, role="clinical_ops", value="Discharged"),
    ),
    "follow_up_completion": Promise(  # most_recent_validated
        writers=(("ehr", "provider", ("true", "false")), ("ehr", "front_desk", ("true",)),
                 ("crm", "care_coordinator", ("true", "false"))),
        preferred=lambda w: w.provenance in _VALIDATED,
        winner=_latest(lambda w: w.provenance in _VALIDATED),
        make_preferred=lambda w: replace(w, provenance=Provenance.VALIDATED_WORKFLOW),
    ),
    "contact_preference": Promise(  # most_recent_patient_confirmed
        writers=(("crm", "support", ("SMS", "E-mail", "Phone call")),
                 ("portal", "patient", ("text message", "e-mail", "call me"))),
        preferred=lambda w: w.role == "patient",
        winner=_latest(lambda w: w.role == "patient"),
        make_preferred=lambda w: replace(
            w, source_system="portal", role="patient", value="call me"
        ),
    ),
}  # fmt: skip


@st.composite
def concurrent_writes(draw: st.DrawFn, field: str, base: int | None) -> list[Write]:
    """2-5 writes to ``field`` on ``base``, at distinct minutes, at least one preferred."""
    promise = PROMISES[field]
    times = draw(st.lists(st.integers(1, 60), min_size=2, max_size=5, unique=True))
    writes = []
    for index, minute in enumerate(times):
        system, role, values = draw(st.sampled_from(promise.writers))
        write = Write(
            idempotency_key=f"c{index}",
            source_system=system,
            source_record=f"{system}-rec-{index}",
            person=PERSON,
            field=field,
            value=draw(st.sampled_from(values)),
            actor=f"usr_{index}",
            role=role,
            base_version=base,
            occurred_at=minutes(minute),
            provenance=draw(st.sampled_from(Provenance)),
        )
        writes.append(write)
    if not any(promise.preferred(w) for w in writes):
        writes[0] = promise.make_preferred(writes[0])
    if promise.make_other is not None:
        first = next(i for i, w in enumerate(writes) if promise.preferred(w))
        writes = [
            promise.make_other(w) if i != first and promise.preferred(w) else w
            for i, w in enumerate(writes)
        ]
    return writes


def _final(writes: list[Write], setup: Write | None) -> FieldState:
    ledger = Ledger(POLICY)
    if setup is not None:
        ledger.submit(setup, minutes(0))
    for index, write in enumerate(writes):
        ledger.submit(write, minutes(100 + index))
    return ledger.state(PERSON, writes[0].field)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Write], list[Write], Write | None]:
    field = draw(st.sampled_from(sorted(PROMISES)))
    setup = None
    if draw(st.booleans()):
        system, role, values = PROMISES[field].writers[0]
        setup = Write(
            idempotency_key="setup",
            source_system=system,
            source_record=f"{system}-rec-0",
            person=PERSON,
            field=field,
            value=values[0],
            actor="usr_0",
            role=role,
            base_version=None,
            occurred_at=minutes(0),
            provenance=Provenance.USER_ENTERED,
        )
    writes = draw(concurrent_writes(field, base=0 if setup is None else 1))
    return writes, draw(st.permutations(writes)), setup


@given(scenarios())
def test_concurrent_writes_end_in_the_same_state_whatever_their_arrival_order(
    scenario: tuple[list[Write], list[Write], Write | None],
) -> None:
    writes, shuffled, setup = scenario
    promise = PROMISES[writes[0].field]
    assert any(promise.preferred(w) for w in writes)

    in_order, reordered = _final(writes, setup), _final(shuffled, setup)

    event(f"{writes[0].field}: {len(writes)} concurrent writes")
    assert in_order.idempotency_key == promise.winner(writes).idempotency_key
    assert reordered.idempotency_key == in_order.idempotency_key
    assert reordered.value == in_order.value


@given(
    st.lists(
        st.tuples(st.sampled_from(Provenance), st.integers(1, 60)),
        min_size=3, max_size=3, unique_by=lambda pair: (pair[0].rank, pair[1]),
    ),
    st.permutations(range(3)),
)  # fmt: skip
def test_blind_writes_from_distinct_sources_end_in_the_same_state_in_any_order(
    drawn: list[tuple[Provenance, int]], order: list[int]
) -> None:
    sources = (("crm", "support"), ("portal", "patient"), ("ehr", "front_desk"))
    writes = [
        Write(
            idempotency_key=f"b{i}",
            source_system=system,
            source_record=f"{system}-rec",
            person=PERSON,
            field="email",
            value=_EMAILS[i],
            actor=f"usr_{role}",
            role=role,
            base_version=None,
            occurred_at=minutes(minute),
            provenance=provenance,
        )
        for i, ((system, role), (provenance, minute)) in enumerate(zip(sources, drawn, strict=True))
    ]

    in_order = _final(writes, None)
    reordered = _final([writes[i] for i in order], None)

    winner = max(range(3), key=lambda i: (writes[i].provenance.rank, writes[i].occurred_at))
    assert in_order.idempotency_key == f"b{winner}"
    assert (reordered.value, reordered.idempotency_key) == (in_order.value, "b" + str(winner))


@given(
    st.sampled_from(
        [("date_of_birth", "ehr", "provider", "1980-02-29", "1980-03-01"),
         ("legal_name", "crm", "growth_ops", "Ana Synthetica", "Anna Synthetica")]
    ),
    st.integers(1, 59),
    st.integers(1, 59),
)  # fmt: skip
def test_a_stale_write_never_silently_replaces_an_equal_authoritys_value(
    row: tuple[str, str, str, str, str], first_minute: int, second_minute: int
) -> None:
    field, system, role, first_value, second_value = row  # both rows: the owner at lead
    ledger = Ledger(POLICY)
    writes = [
        Write(
            idempotency_key=f"eq{index}", source_system=system,
            source_record=f"{system}-rec-{index}", person=PERSON, field=field, value=value,
            actor=f"usr_{index}", role=role, base_version=0, occurred_at=minutes(minute),
            provenance=Provenance.USER_ENTERED,
        )
        for index, (value, minute) in enumerate(
            [(first_value, first_minute), (second_value, second_minute)]
        )
    ]  # fmt: skip

    ledger.submit(writes[0], minutes(100))
    decision = ledger.submit(writes[1], minutes(101))

    event(f"{field}: second write {'older' if second_minute < first_minute else 'not older'}")
    assert ledger.state(PERSON, field).idempotency_key == "eq0"
    assert type(decision).__name__ in {"WriteRejected", "ConflictEscalated"}
