"""The consent model: one record per person x purpose x channel, kept as a versioned history.

A *slot* is ``(person, purpose, channel)``; it has one consent reference for life
(``consent_ref_for``) and a version that grows by one with every change:

- ``grant``  -> ``active`` with an optional period (start inclusive, end exclusive);
- ``revoke`` -> ``revoked`` (also for a slot never granted: an explicit opt-out);
- ``expire`` -> ``expired``, once the clock reaches the end of an active consent's period.

Each function returns the next version, or ``None`` when the request changes nothing (granting
what is already granted, or already expired with that same ended period; revoking what is
already revoked; expiring what is not due), so a redelivered grant or a re-imported file adds no
version and no event. Earlier versions are never changed: the repository keeps them all, and
every decision cites the version it read.

Example::

    v1 = grant(None, person="tok_ana", purpose="HMARKT", channel="sms", at=t0,
               policy_version="consent-policy-1", period=Period(end=t0 + timedelta(days=30)))
    v2 = revoke(v1, person="tok_ana", purpose="HMARKT", channel="sms", at=t1,
                policy_version="consent-policy-1")
    assert (v2.version, v2.status, v2.ref) == (2, ConsentStatus.REVOKED, v1.ref)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.consent.channels import channel as check_channel
from splitbrain.engine.domain.consent.errors import ConsentRefMismatch, InvalidPeriod, SlotMismatch
from splitbrain.engine.domain.consent.purposes import purpose as check_purpose

__all__ = [
    "Consent",
    "ConsentStatus",
    "Period",
    "Slot",
    "consent_ref_for",
    "expire",
    "grant",
    "revoke",
]

Slot = tuple[str, str, str]
"""``(person, purpose, channel)``: what one consent record is about."""


class ConsentStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


_ACTIVE = ConsentStatus.ACTIVE  # a module name: faster than the Enum attribute in hot paths


@dataclass(frozen=True, slots=True)
class Period:
    """When a consent applies: ``start <= at < end``; an open side is unbounded."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise InvalidPeriod(f"period {name} has no timezone; give times in UTC")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InvalidPeriod("period end must be after its start; send a later end")

    def covers(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)

    def ended_by(self, at: datetime) -> bool:
        return self.end is not None and self.end <= at


@dataclass(frozen=True, slots=True)
class Consent:
    """One version of one slot's consent record."""

    ref: str
    """The consent reference: the same for every version of the slot (``cns-...``)."""
    person: str
    """The person token, never a name or another PHI value."""
    purpose: str
    channel: str
    status: ConsentStatus
    version: int
    period: Period
    recorded_at: datetime
    """When this version was recorded (the grant, revoke or expiry time)."""
    policy_version: str
    """The consent policy in force when this version was recorded."""
    actors: tuple[str, ...] = ()
    """Who the consent names as recipients (FHIR references, e.g. ``Organization/crm``)."""

    @property
    def slot(self) -> Slot:
        return (self.person, self.purpose, self.channel)

    def in_force(self, at: datetime) -> bool:
        """Active and inside its period at ``at``: the clock is read at request time."""
        if self.status is not _ACTIVE:
            return False
        start, end = self.period.start, self.period.end
        return (start is None or start <= at) and (end is None or at < end)


def consent_ref_for(person: str, purpose: str, channel: str) -> str:
    """The slot's default consent reference: stable, opaque, a valid FHIR id."""
    digest = hashlib.sha256(f"{person}\x1f{purpose}\x1f{channel}".encode()).hexdigest()
    return f"cns-{digest[:24]}"


def grant(
    prior: Consent | None,
    *,
    person: str,
    purpose: str,
    channel: str,
    at: datetime,
    policy_version: str,
    period: Period | None = None,
    ref: str | None = None,
    actors: tuple[str, ...] = (),
) -> Consent | None:
    """The slot's next version, ``active`` over ``period``; None if already exactly that."""
    period = period or Period()
    slot = _checked_slot(prior, person, purpose, channel, at)
    if prior is not None and (prior.period, prior.actors) == (period, actors):
        if prior.status is ConsentStatus.ACTIVE:
            return None
        if prior.status is ConsentStatus.EXPIRED and period.ended_by(at):
            return None  # re-granting what has already run out, as it was: nothing changes
    return Consent(
        ref=_ref(prior, ref, slot),
        person=person,
        purpose=purpose,
        channel=channel,
        status=ConsentStatus.ACTIVE,
        version=_next(prior),
        period=period,
        recorded_at=at,
        policy_version=policy_version,
        actors=actors,
    )


def revoke(
    prior: Consent | None,
    *,
    person: str,
    purpose: str,
    channel: str,
    at: datetime,
    policy_version: str,
    ref: str | None = None,
) -> Consent | None:
    """The slot's next version, ``revoked`` from ``at`` on; None if already revoked."""
    slot = _checked_slot(prior, person, purpose, channel, at)
    if prior is not None and prior.status is ConsentStatus.REVOKED:
        return None
    return Consent(
        ref=_ref(prior, ref, slot),
        person=person,
        purpose=purpose,
        channel=channel,
        status=ConsentStatus.REVOKED,
        version=_next(prior),
        period=Period(start=at),
        recorded_at=at,
        policy_version=policy_version,
        actors=() if prior is None else prior.actors,
    )


def expire(prior: Consent, at: datetime) -> Consent | None:
    """The next version, ``expired``, if ``prior`` is active and its period ended by ``at``."""
    _aware(at)
    if prior.status is not ConsentStatus.ACTIVE or not prior.period.ended_by(at):
        return None
    return replace(prior, status=ConsentStatus.EXPIRED, version=prior.version + 1, recorded_at=at)


def _checked_slot(
    prior: Consent | None, person: str, purpose: str, channel: str, at: datetime
) -> Slot:
    check_purpose(purpose)
    check_channel(channel)
    _aware(at)
    slot = (person, purpose, channel)
    if prior is not None and prior.slot != slot:
        raise SlotMismatch(prior.ref, _label(slot))
    return slot


def _ref(prior: Consent | None, ref: str | None, slot: Slot) -> str:
    if prior is None:
        return ref or consent_ref_for(*slot)
    if ref is not None and ref != prior.ref:
        raise ConsentRefMismatch(ref, prior.ref, _label(slot))
    return prior.ref


def _next(prior: Consent | None) -> int:
    return 1 if prior is None else prior.version + 1


def _aware(at: datetime) -> None:
    if at.utcoffset() is None:
        raise InvalidPeriod("a consent change needs a timezone-aware time (use UTC)")


def _label(slot: Slot) -> str:
    person, purpose, channel = slot
    return f"person {person} purpose {purpose} channel {channel}"
