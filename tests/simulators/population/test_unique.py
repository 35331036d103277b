"""UniqueValues never repeats a value, across fields' calls and across workers."""

from __future__ import annotations

import pytest

from simulators.population import (
    PersonEntry,
    PoolExhaustedError,
    PopulationConfigError,
    UniqueValues,
    is_fictitious,
    is_synthetic_email,
)


@pytest.mark.parametrize("field", UniqueValues.FIELDS)
def test_each_field_yields_distinct_values_and_ids(field: str) -> None:
    uv = UniqueValues(seed=3)

    issued = [uv.next(field) for _ in range(3000)]

    assert len({v.value for v in issued}) == len(issued)
    assert len({v.value_id for v in issued}) == len(issued)
    assert all(v.field == field for v in issued)


def test_parallel_workers_never_issue_the_same_value() -> None:
    workers = [UniqueValues(seed=3, worker=w, workers=4) for w in range(4)]

    values = [w.next(f).value for w in workers for f in UniqueValues.FIELDS for _ in range(300)]

    assert len(set(values)) == len(values)


def test_the_same_seed_issues_the_same_sequence() -> None:
    first, second = UniqueValues(seed=9), UniqueValues(seed=9)

    assert [first.next("phone") for _ in range(50)] == [second.next("phone") for _ in range(50)]


def test_unique_values_never_collide_with_the_generated_population(
    population: list[PersonEntry],
) -> None:
    uv = UniqueValues(seed=11)
    written = {uv.next(f).value for f in UniqueValues.FIELDS for _ in range(2000)}
    seen: set[str] = set()
    for e in population:
        p = e.person
        seen.update((p.given, p.family, p.phone, p.email, p.address.line, p.preferred_name or ""))
        if p.clinical is not None:
            seen.update((p.clinical.medication_plan, p.clinical.diagnosis_note))

    assert not written & seen


def test_unique_phones_and_emails_are_obviously_synthetic() -> None:
    uv = UniqueValues(seed=1)

    phones = [uv.next("phone").value for _ in range(500)]
    emails = [uv.next("email").value for _ in range(500)]

    assert all(is_fictitious(p) for p in phones)
    assert all(is_synthetic_email(e) for e in emails)


def test_text_values_carry_their_value_id_so_they_trace_to_one_write() -> None:
    uv = UniqueValues(seed=1)

    plan = uv.next("medication_plan")
    note = uv.next("diagnosis_note")

    assert plan.value_id in plan.value
    assert note.value_id in note.value


def test_the_phone_pool_raises_when_spent() -> None:
    uv = UniqueValues(seed=1, worker=0, workers=20_000)  # every 20,000th number: 2 fit
    uv.next("phone")
    uv.next("phone")

    with pytest.raises(PoolExhaustedError, match="write phone pool"):
        uv.next("phone")


def test_an_unknown_field_is_refused_with_the_supported_fields() -> None:
    with pytest.raises(PopulationConfigError, match="medication_plan"):
        UniqueValues(seed=1).next("clinical_status")


def test_a_worker_outside_the_worker_count_is_refused() -> None:
    with pytest.raises(PopulationConfigError, match="worker 4"):
        UniqueValues(seed=1, worker=4, workers=4)
