"""An outreach message waiting in the engine's queue, and what became of it.

A message remembers the consent version its slot had when it was queued (``queued_under_*``),
so a block can say "queued under version 1, revoked in version 2". That version is a record,
never a permission: the decision is taken again at the moment of sending (``enforcement``).

Example::

    QueuedMessage("msg-1", "tok_ana", "HMARKT", "sms", queued_at=t0,
                  queued_under_ref="cns-...", queued_under_version=1)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["OutreachStatus", "QueuedMessage"]


class OutreachStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    message_id: str
    person: str
    purpose: str
    channel: str
    queued_at: datetime
    queued_under_ref: str | None = None
    queued_under_version: int | None = None
    """The slot's consent version at enqueue (None: the slot had no consent then)."""
    status: OutreachStatus = OutreachStatus.QUEUED
    decided_at: datetime | None = None
    decided_version: int | None = None
    """The consent version the send decision read (None: none existed or none was needed)."""
    reason: str | None = None
    """The send decision's reason code (``consent_active``, ``revoked``, ...)."""

    @property
    def same_request(self) -> tuple[str, str, str, str]:
        """What a redelivered ``QueueOutreach`` must repeat to count as the same message."""
        return (self.message_id, self.person, self.purpose, self.channel)
