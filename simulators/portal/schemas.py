"""Request bodies of the portal: accounts, intake submissions, consent actions, preferences.

Unknown fields are refused (422 naming the field). As in the CRM, a create takes what was sent
plus defaults and a PATCH changes exactly the fields sent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from simulators._shared.record_fields import (
    Address,
    Email,
    ExternalId,
    Ident,
    Name,
    Phone,
    RecordFields,
)
from simulators.portal.vocabulary import (
    CHANNELS,
    CONTACT_TIMES,
    INTAKE_STATUSES,
    PORTAL_STATUSES,
    PURPOSES,
)

__all__ = [
    "ACCOUNT_DEFAULTS",
    "PREFERENCE_DEFAULTS",
    "AccountFields",
    "Answer",
    "ConsentAction",
    "IntakeFields",
    "Period",
    "PreferenceFields",
    "StatusUpdate",
]

ACCOUNT_DEFAULTS: dict[str, Any] = {"status": "Application received", "external_ids": []}
PREFERENCE_DEFAULTS: dict[str, Any] = {
    "preferred_channel": None,
    "contact_time": "any",
    "language": None,
    "do_not_contact": False,
}


def _one_of(allowed: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{what} must be one of {list(allowed)}")
        return value

    return AfterValidator(check)


def _purpose(value: str) -> str:
    if value not in PURPOSES:
        raise ValueError(f"purpose must be an HL7 v3 ActReason code, one of {sorted(PURPOSES)}")
    return value


Purpose = Annotated[str, AfterValidator(_purpose)]
Channel = Annotated[str, _one_of(CHANNELS, "channel")]
Status = Annotated[str, _one_of(PORTAL_STATUSES, "status")]
ContactTime = Annotated[str, _one_of(CONTACT_TIMES, "contact_time")]
IntakeStatus = Annotated[str, _one_of(INTAKE_STATUSES, "status")]


class AccountFields(RecordFields):
    given_name: Name | None = None
    family_name: Name | None = None
    preferred_name: Name | None = None
    birth_date: date | None = None
    email: Email | None = None
    phone: Phone | None = None
    language: Annotated[str, Field(max_length=35)] | None = None
    address: Address | None = None
    external_ids: list[ExternalId] | None = None
    status: Status | None = None


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    link_id: Ident
    value: str | int | float | bool | None = None


class IntakeFields(RecordFields):
    questionnaire: Ident | None = None
    answers: list[Answer] | None = Field(default=None, max_length=500)
    status: IntakeStatus | None = None


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime | None = None
    end: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        for instant in (self.start, self.end):
            if instant is not None and instant.tzinfo is None:
                raise ValueError("period start and end need a UTC offset (e.g. +00:00)")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("period end must be later than its start")
        return self


class ConsentAction(BaseModel):
    """A grant (with an optional period) or a revoke of one purpose on one channel."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    channel: Channel
    period: Period | None = None


class PreferenceFields(RecordFields):
    preferred_channel: Channel | None = None
    contact_time: ContactTime | None = None
    language: Annotated[str, Field(max_length=35)] | None = None
    do_not_contact: bool | None = None
