"""Request bodies of the outreach resources: campaigns and the manual send."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from simulators._shared.record_fields import Ident, RecordFields
from simulators.crm.vocabulary import OUTREACH_CHANNELS, PURPOSES

__all__ = ["CAMPAIGN_DEFAULTS", "CampaignFields", "SendRequest"]

CAMPAIGN_DEFAULTS: dict[str, Any] = {
    "active": True,
    "once_per_contact": True,
    "member_ids": [],
    "message": "A message from your care team.",
    "start_at": None,
}

Message = Annotated[str, StringConstraints(min_length=1, max_length=500)]


def _purpose(value: str) -> str:
    if value not in PURPOSES:
        raise ValueError(f"purpose must be an HL7 v3 ActReason code, one of {sorted(PURPOSES)}")
    return value


def _channel(value: str) -> str:
    if value not in OUTREACH_CHANNELS:
        raise ValueError(f"channel must be one of {list(OUTREACH_CHANNELS)}")
    return value


Purpose = Annotated[str, AfterValidator(_purpose)]
Channel = Annotated[str, AfterValidator(_channel)]


class CampaignFields(RecordFields):
    """A campaign sends ``message`` on ``channel`` for ``purpose`` every ``every_minutes``.

    Its members are the contacts whose ``campaign`` field equals its ``name``, plus
    ``member_ids``. With ``once_per_contact`` a member gets the campaign's message once.
    """

    name: Ident | None = None
    purpose: Purpose | None = None
    channel: Channel | None = None
    message: Message | None = None
    every_minutes: int | None = Field(default=None, ge=1, le=525_600)
    start_at: datetime | None = None
    active: bool | None = None
    once_per_contact: bool | None = None
    member_ids: list[Ident] | None = None

    @field_validator("start_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("start_at needs a UTC offset, e.g. 2025-01-06T09:00:00+00:00")
        return value


class SendRequest(RecordFields):
    contact_id: Ident
    channel: Channel
    purpose: Purpose
    campaign_id: Ident | None = None
    message: Message | None = None
