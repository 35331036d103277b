"""The public strategies (``splitbrain.strategies``) make values the world and the engine accept."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.write import FieldState
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import World
from splitbrain.strategies import ConsentChange, SyntheticPerson, consent_changes, persons, writes

POLICY = load_policy(default_matrix())
KEYS = KeyRing.generate({"admin": "admin", "patient": "patient"}, seed=3)
WORLD = World(SimulatorSettings(keys=KEYS))


async def _sign_up_and_change(person: SyntheticPerson, change: ConsentChange) -> list[int]:
    async with WORLD.client("portal", "patient") as portal:
        created = await portal.post("/accounts", json=person.portal_account())
        assert created.status_code == 201, created.text
        answered: httpx.Response = await portal.post(
            change.path(created.json()["id"]), json=change.body()
        )
        return [created.status_code, answered.status_code]


@given(persons())
def test_every_person_is_obviously_synthetic(person: SyntheticPerson) -> None:
    assert re.fullmatch(r"\+1-\d{3}-555-01\d\d", person.phone)
    assert person.email.rsplit("@", 1)[1] in {"example.org", "example.net", "example.com"}


@settings(max_examples=20)
@given(persons(), consent_changes())
def test_the_portal_accepts_every_person_and_consent_change(
    person: SyntheticPerson, change: ConsentChange
) -> None:
    statuses = asyncio.run(_sign_up_and_change(person, change))

    assert statuses[0] == 201
    assert statuses[1] in (200, 201)


@given(writes(POLICY), st.sampled_from(["lead", "intake", "qualified", "in_care"]))
def test_every_drawn_write_is_decided_without_error(write: object, stage: str) -> None:
    state = FieldState(person=write.person, field=write.field, value=None, version=0)  # type: ignore[attr-defined]

    decision = decide(write, state, stage, POLICY, prior=None, now=datetime(2026, 1, 6, tzinfo=UTC))  # type: ignore[arg-type]

    assert decision is not None


@given(writes(POLICY, fields=("medication_plan",), own_writers_only=True))
def test_own_writers_only_draws_the_rows_writers(write: object) -> None:
    row = POLICY.fields["medication_plan"]
    systems = {o.system for o in row.owners} | {w.system for w in row.secondary if w.system}
    assert write.source_system in systems or any(w.system is None for w in row.secondary)  # type: ignore[attr-defined]


def test_an_unknown_field_names_the_matrix() -> None:
    with pytest.raises(ValueError, match="not in matrix"):
        writes(POLICY, fields=("shoe_size",))
