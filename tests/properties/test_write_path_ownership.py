"""Property: no write the matrix does not allow is ever applied, and none it allows is refused.

The oracle is the telehealth matrix written out by hand as a plain table, independent of
``ownership.py``: who may write each field at each stage.
"""

from __future__ import annotations

from hypothesis import event, given

from splitbrain.engine.domain.decisions import FieldApplied, RejectReason, WriteRejected
from splitbrain.engine.domain.write import Write
from tests.properties.write_path_strategies import write_sequences
from tests.unit.engine.builders import minutes
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()
_CARE = {"in_care", "discharged"}
_CRM_STAGE_ROLES = {"intake_ops", "growth_ops", "automation"}
_CRM_STAGE_VALUES = {
    "New Lead": "lead", "Intake Started": "intake", "Qualified": "qualified",
    "Active Patient": "in_care", "Discharged": "discharged",
}  # fmt: skip


def may_write(field: str, stage: str, system: str, role: str, value: str | None) -> bool:
    """The matrix by hand: may (system, role) write ``value`` to ``field`` at ``stage``?"""
    pair = (system, role)
    if field == "legal_name":
        owner = "ehr" if stage in _CARE else "crm"
        return system == owner or pair in {("crm", "intake_ops"), ("ehr", "provider")}
    if field in ("date_of_birth", "clinical_status"):
        return system == "ehr"
    if field == "care_stage":
        canonical = _CRM_STAGE_VALUES.get(value, value) if value is not None else None
        return (system == "crm" and role in _CRM_STAGE_ROLES) or (
            role == "clinical_ops" and canonical in _CARE
        )
    if field == "medication_plan":
        return pair == ("ehr", "provider")
    if field == "follow_up_completion":
        return system == "ehr" or pair == ("crm", "care_coordinator")
    if field == "contact_preference":
        return system == "crm" or pair == ("portal", "patient")
    if field in ("mobile_phone", "email"):
        return system == "crm" or pair in {("portal", "patient"), ("ehr", "front_desk")}
    raise AssertionError(f"the oracle has no row for {field}")


def _allowed(write: Write, stage: str) -> bool:
    return may_write(write.field, stage, write.source_system, write.role, write.value)


@given(write_sequences(POLICY))
def test_no_write_the_matrix_does_not_allow_is_ever_applied(writes: list[Write]) -> None:
    ledger = Ledger(POLICY)

    for index, write in enumerate(writes):
        ledger.submit(write, minutes(index))

    for entry in ledger.log:
        decision = entry.decision
        if isinstance(decision, FieldApplied):
            assert _allowed(decision.write, entry.stage), decision.explanation
            event("applied")
        elif isinstance(decision, WriteRejected) and decision.reason is RejectReason.NOT_OWNER:
            assert not _allowed(decision.write, entry.stage), decision.explanation
            event("rejected as not_owner")
