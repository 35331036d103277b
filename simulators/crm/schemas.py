"""Request bodies of the CRM's record resources (contacts, leads, cases, tasks).

Every field is optional in the model: a create takes what was sent plus defaults, a PATCH
changes exactly the fields sent (``null`` clears one). Unknown fields are refused (422 naming
the field). Codes are checked against the CRM's vocabulary; messages name the code list, never
a value.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from simulators._shared.record_fields import (
    Address,
    Email,
    ExternalId,
    Ident,
    Name,
    Phone,
    RecordFields,
    Text,
)
from simulators.crm.vocabulary import (
    CASE_PRIORITIES,
    CASE_STATUSES,
    CHANNELS,
    LEAD_STATUSES,
    PIPELINE_STAGES,
    PURPOSES,
    TASK_STATUSES,
)

__all__ = [
    "CASE_DEFAULTS",
    "LEAD_DEFAULTS",
    "TASK_DEFAULTS",
    "CaseFields",
    "ConsentFlags",
    "ContactFields",
    "LeadFields",
    "TaskFields",
    "check_consents",
]

Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
CustomKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ConsentFlags = dict[str, dict[str, bool]]

LEAD_DEFAULTS: dict[str, Any] = {"stage": "New Lead", "status": "open"}
CASE_DEFAULTS: dict[str, Any] = {"status": "new", "priority": "normal"}
TASK_DEFAULTS: dict[str, Any] = {"status": "open", "priority": "normal", "completed_at": None}


def _one_of(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} must be one of {list(allowed)}")
    return value


def check_consents(flags: ConsentFlags) -> ConsentFlags:
    """Purposes must be ActReason codes the CRM knows, channels the CRM's channels."""
    for purpose, channels in flags.items():
        if purpose not in PURPOSES:
            raise ValueError(
                f"consent purpose {purpose!r} is not a known HL7 v3 ActReason code; use one of "
                f"{sorted(PURPOSES)}"
            )
        for channel in channels:
            if channel not in CHANNELS:
                raise ValueError(
                    f"consent channel {channel!r} (purpose {purpose}) is unknown; use one of "
                    f"{list(CHANNELS)}"
                )
    return flags


class ContactFields(RecordFields):
    patient_ref: str | None = None
    external_ids: list[ExternalId] | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    preferred_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    birth_date: date | None = None
    language: Annotated[str, StringConstraints(max_length=35)] | None = None
    address: Address | None = None
    stage: str | None = None
    owner_role: Role | None = None
    lead_source: Ident | None = None
    campaign: Ident | None = None
    consents: ConsentFlags | None = None
    custom: dict[CustomKey, str | int | float | bool | None] | None = None

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str | None) -> str | None:
        return _one_of(value, PIPELINE_STAGES, "stage (see GET /pipeline)")

    @field_validator("consents")
    @classmethod
    def _consents(cls, value: ConsentFlags | None) -> ConsentFlags | None:
        return None if value is None else check_consents(value)


class LeadFields(RecordFields):
    contact_id: Ident | None = None
    stage: str | None = None
    status: str | None = None
    source: Ident | None = None
    campaign: Ident | None = None
    owner_role: Role | None = None
    external_ids: list[ExternalId] | None = None

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str | None) -> str | None:
        return _one_of(value, PIPELINE_STAGES, "stage (see GET /pipeline)")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _one_of(value, LEAD_STATUSES, "lead status")


class CaseFields(RecordFields):
    contact_id: Ident | None = None
    subject: Text | None = None
    category: Ident | None = None
    status: str | None = None
    priority: str | None = None
    owner_role: Role | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _one_of(value, CASE_STATUSES, "case status")

    @field_validator("priority")
    @classmethod
    def _priority(cls, value: str | None) -> str | None:
        return _one_of(value, CASE_PRIORITIES, "case priority")


class TaskFields(RecordFields):
    subject: Text | None = None
    owner_queue: Role | None = None
    contact_id: Ident | None = None
    case_id: Ident | None = None
    kind: Ident | None = None
    reference: Ident | None = None
    priority: str | None = None
    status: str | None = None
    sla_minutes: int | None = Field(default=None, ge=1, le=525_600)
    due_at: datetime | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _one_of(value, TASK_STATUSES, "task status")

    @field_validator("priority")
    @classmethod
    def _priority(cls, value: str | None) -> str | None:
        return _one_of(value, CASE_PRIORITIES, "task priority")

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("due_at needs a UTC offset, e.g. 2025-01-06T17:00:00+00:00")
        return value
