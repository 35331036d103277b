"""The consent decision point: permit or deny, evaluated at request time.

``decide_consent(person, purpose, channel, at, consents, policy_version)`` answers one
question, "may we use this person's data or reach them for this purpose on this channel, now?",
from the person's current consent versions and the clock (``at``). In order:

1. an unknown purpose (not in the shipped ActReason list) is denied (``unknown_purpose``);
2. an unknown channel is denied (``unknown_channel``);
3. a break-glass purpose (ETREAT, ERTREAT, BTG) is permitted without a consent, with
   ``break_glass=True``: the audit log must flag it (the audit trail does);
4. a consent *in force* for the slot (active, and ``start <= at < end``) permits
   (``consent_active``);
5. otherwise deny, saying why: ``revoked``, ``expired`` (its status, or its period ended by
   ``at`` even before the expiry job ran), ``not_yet_valid``, or ``no_consent``.

Every purpose but break-glass is opt-in: no consent, no permit. ``channel=None`` asks about the
purpose on any channel (the disclosure point: may the CRM hold data for this purpose at all?);
it permits when a consent is in force on at least one channel, citing the first such channel in
the order sms, email, phone, portal, mail.

A decision cites the consent reference and version it read and the policy version, so it can be
proved afterwards which consent allowed what. It is a pure function: no I/O, no clock of its own.

Example::

    decision = decide_consent("tok_ana", "HMARKT", "sms", now, current_versions)
    decision.permitted, decision.reason, decision.consent_ref, decision.consent_version
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Final, NamedTuple

from splitbrain.engine.domain.consent.channels import CHANNELS, Channel
from splitbrain.engine.domain.consent.errors import InvalidPeriod
from splitbrain.engine.domain.consent.model import Consent, ConsentStatus
from splitbrain.engine.domain.consent.purposes import BREAK_GLASS_PURPOSES, PURPOSES

__all__ = [
    "CONSENT_POLICY_VERSION",
    "ConsentDecision",
    "DecisionReason",
    "EnforcementPoint",
    "Permission",
    "decide_consent",
]

CONSENT_POLICY_VERSION: Final = "consent-policy-1"
"""The version of the rules above; every decision records it. Bump it when the rules change."""

_CHANNEL_ORDER: Final = {c.value: i for i, c in enumerate(Channel)}


class Permission(StrEnum):
    PERMIT = "permit"
    DENY = "deny"


class DecisionReason(StrEnum):
    CONSENT_ACTIVE = "consent_active"
    BREAK_GLASS = "break_glass"
    UNKNOWN_PURPOSE = "unknown_purpose"
    UNKNOWN_CHANNEL = "unknown_channel"
    NO_CONSENT = "no_consent"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class EnforcementPoint(StrEnum):
    """Where a decision was asked for."""

    REQUEST = "request"
    """Someone asked the decision point directly."""
    DISCLOSURE = "disclosure"
    """The engine, at the moment it sends data to the CRM."""
    SEND = "send"
    """Outreach, at the moment a queued message is sent (never at enqueue)."""


class ConsentDecision(NamedTuple):
    """One answer of the decision point. Immutable.

    A NamedTuple rather than a frozen dataclass: the decision point builds 10^5 of these a
    second, and a frozen dataclass's ``__init__`` costs four times as much.
    """

    permission: Permission
    reason: DecisionReason
    person: str
    purpose: str
    channel: str | None
    """None: the purpose on any channel."""
    at: datetime
    policy_version: str
    consent_ref: str | None = None
    """The consent read, or None when none exists for the slot (or none was consulted)."""
    consent_version: int | None = None
    break_glass: bool = False
    """Permitted by a break-glass purpose: the audit entry must carry the flag."""

    @property
    def permitted(self) -> bool:
        return self.permission is Permission.PERMIT


_Ask = tuple[str, str, str | None, datetime, str]
"""(person, purpose, channel, at, policy_version): the question, in ``ConsentDecision`` order."""

# Enum members bound to module names: an Enum attribute lookup costs several dict lookups on
# Python 3.11, and the decision point runs 10^5 times a second.
_PERMIT, _DENY = Permission.PERMIT, Permission.DENY
_ACTIVE, _GLASS = DecisionReason.CONSENT_ACTIVE, DecisionReason.BREAK_GLASS
_UNKNOWN_PURPOSE, _UNKNOWN_CHANNEL = DecisionReason.UNKNOWN_PURPOSE, DecisionReason.UNKNOWN_CHANNEL
_NO_CONSENT, _REVOKED = DecisionReason.NO_CONSENT, DecisionReason.REVOKED
_EXPIRED, _NOT_YET_VALID = DecisionReason.EXPIRED, DecisionReason.NOT_YET_VALID
_STATUS_REVOKED, _STATUS_EXPIRED = ConsentStatus.REVOKED, ConsentStatus.EXPIRED
_KNOWN_PURPOSES: Final = dict.fromkeys(PURPOSES)
_KNOWN_CHANNELS: Final = dict.fromkeys(CHANNELS)


def decide_consent(
    person: str,
    purpose: str,
    channel: str | None,
    at: datetime,
    consents: Iterable[Consent],
    *,
    policy_version: str = CONSENT_POLICY_VERSION,
) -> ConsentDecision:
    """Permit or deny ``purpose`` on ``channel`` for ``person`` at ``at`` (see the module doc).

    ``consents`` are the current versions of the person's slots; consents of other persons are
    ignored, and of several versions of one slot the highest counts.
    """
    if at.tzinfo is None:
        raise InvalidPeriod("a consent decision needs a timezone-aware time (use UTC)")
    ask: _Ask = (person, purpose, channel, at, policy_version)
    if purpose not in _KNOWN_PURPOSES:
        return ConsentDecision(_DENY, _UNKNOWN_PURPOSE, *ask)
    if channel is None:
        cited = _cited(_slot_versions(consents, person, purpose), at)
    elif channel in _KNOWN_CHANNELS:
        cited = _current(consents, person, purpose, channel)
    else:
        return ConsentDecision(_DENY, _UNKNOWN_CHANNEL, *ask)
    if purpose in BREAK_GLASS_PURPOSES:
        ref, version = (None, None) if cited is None else (cited.ref, cited.version)
        return ConsentDecision(_PERMIT, _GLASS, *ask, ref, version, True)
    if cited is None:
        return ConsentDecision(_DENY, _NO_CONSENT, *ask)
    if cited.in_force(at):
        return ConsentDecision(_PERMIT, _ACTIVE, *ask, cited.ref, cited.version)
    return ConsentDecision(_DENY, _why_not(cited, at), *ask, cited.ref, cited.version)


def _current(
    consents: Iterable[Consent], person: str, purpose: str, channel: str
) -> Consent | None:
    """The highest version of the one slot (the hot path: kept to one loop)."""
    best: Consent | None = None
    for consent in consents:
        if (
            consent.channel == channel
            and consent.purpose == purpose
            and consent.person == person
            and (best is None or best.version < consent.version)
        ):
            best = consent
    return best


def _slot_versions(consents: Iterable[Consent], person: str, purpose: str) -> list[Consent]:
    """The current version of each of the purpose's slots, one per channel."""
    latest: dict[str, Consent] = {}
    for consent in consents:
        if consent.purpose == purpose and consent.person == person:
            seen = latest.get(consent.channel)
            if seen is None or seen.version < consent.version:
                latest[consent.channel] = consent
    return list(latest.values())


def _cited(found: list[Consent], at: datetime) -> Consent | None:
    """The consent a decision cites: the first in force (by channel order), else the latest."""
    if len(found) < 2:
        return found[0] if found else None
    ordered = sorted(found, key=lambda c: _CHANNEL_ORDER[c.channel])
    for consent in ordered:
        if consent.in_force(at):
            return consent
    return max(ordered, key=lambda c: c.recorded_at)


def _why_not(consent: Consent, at: datetime) -> DecisionReason:
    if consent.status is _STATUS_REVOKED:
        return _REVOKED
    if consent.status is _STATUS_EXPIRED or consent.period.ended_by(at):
        return _EXPIRED
    return _NOT_YET_VALID
