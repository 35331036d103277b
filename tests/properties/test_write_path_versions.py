"""Property: each field's applied versions form one chain, with no gaps and no forks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.write import Write
from tests.properties.write_path_strategies import write_sequences
from tests.unit.engine.builders import minutes
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()
_ANY = write_sequences(POLICY, max_size=40)
_CONTESTED = write_sequences(
    POLICY,
    min_size=12,
    max_size=40,
    fields=("legal_name", "care_stage", "medication_plan", "email", "follow_up_completion"),
    own_writers_only=True,
    persons=("per_0001",),
)
_LAGS = st.lists(st.none() | st.integers(0, 2), min_size=40, max_size=40)
"""How many versions behind the current one each write was made (None: as generated)."""


def _run(writes: list[Write], lags: list[int | None]) -> Ledger:
    ledger = Ledger(POLICY)
    for index, (drawn, lag) in enumerate(zip(writes, lags, strict=False)):
        write = drawn
        if lag is not None:
            version = ledger.state(write.person, write.field).version
            write = replace(write, base_version=max(0, version - lag))
        ledger.submit(write, minutes(index))
    return ledger


@given(writes=_ANY | _CONTESTED, lags=_LAGS)
def test_applied_versions_of_each_field_form_one_chain(
    writes: list[Write], lags: list[int | None]
) -> None:
    ledger = _run(writes, lags)

    chains: dict[tuple[str, str], list[FieldApplied]] = defaultdict(list)
    for entry in ledger.log:
        event(type(entry.decision).__name__)
        if isinstance(entry.decision, FieldApplied):
            chains[(entry.decision.write.person, entry.decision.write.field)].append(entry.decision)
    for key, chain in chains.items():
        links = [(d.previous_version, d.new_version) for d in chain]
        assert links == [(n, n + 1) for n in range(len(chain))], links
        assert ledger.states[key].idempotency_key == chain[-1].write.idempotency_key
        event(f"chain of {min(len(chain), 5)}{'+' if len(chain) >= 5 else ''}")
    for key, state in ledger.states.items():
        assert state.version == len(chains.get(key, []))
