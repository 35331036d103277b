"""Property: no decision's explanation carries a written value (no PHI in messages)."""

from __future__ import annotations

from hypothesis import given

from splitbrain.engine.domain.decisions import DuplicateDelivery
from splitbrain.engine.domain.write import Write
from tests.properties.write_path_strategies import write_sequences
from tests.unit.engine.builders import minutes
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()
_PHI_FIELDS = ("legal_name", "date_of_birth", "medication_plan", "mobile_phone", "email")


@given(write_sequences(POLICY, fields=_PHI_FIELDS, persons=("per_0001",)))
def test_no_explanation_carries_a_written_value(writes: list[Write]) -> None:
    ledger = Ledger(POLICY)
    values = {w.value.strip() for w in writes if w.value is not None and len(w.value.strip()) > 3}

    decisions = [ledger.submit(write, minutes(index)) for index, write in enumerate(writes)]

    for decision in decisions:
        if isinstance(decision, DuplicateDelivery):
            continue
        assert type(decision.rule) is str
        leaked = [value for value in values if value.casefold() in decision.explanation.casefold()]
        assert not leaked, decision.explanation
