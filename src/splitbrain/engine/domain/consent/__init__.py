"""Consent by purpose and channel (DESIGN §6): pure, standard library only.

Consent is a live policy state per person x purpose x channel, kept as a versioned history
(``model``). Purposes are HL7 v3 ActReason codes shipped with the package (``purposes``);
channels are sms, email, phone, portal and mail (``channels``). The decision point
(``decision.decide_consent``) answers permit or deny with the consent reference, the consent
version and the policy version, evaluated at request time; the enforcement points
(``enforcement``) ask it at the moment of disclosure and of sending, never at enqueue.

Example::

    v1 = grant(None, person="tok_ana", purpose="HMARKT", channel="sms", at=t0,
               policy_version=CONSENT_POLICY_VERSION)
    decide_consent("tok_ana", "HMARKT", "sms", t0, [v1]).permitted      # True
    decide_consent("tok_ana", "HMARKT", "email", t0, [v1]).reason       # no_consent
"""

from __future__ import annotations

from splitbrain.engine.domain.consent.channels import CHANNELS, Channel, channel
from splitbrain.engine.domain.consent.decision import (
    CONSENT_POLICY_VERSION,
    ConsentDecision,
    DecisionReason,
    EnforcementPoint,
    Permission,
    decide_consent,
)
from splitbrain.engine.domain.consent.enforcement import (
    enforce_disclosure,
    enforce_send,
    queue_message,
)
from splitbrain.engine.domain.consent.errors import (
    ConsentError,
    ConsentRefMismatch,
    ConsentRefused,
    InvalidPeriod,
    OutreachAlreadyDecided,
    OutreachIdReused,
    OutreachRefused,
    SlotMismatch,
    UnknownChannel,
    UnknownOutreach,
    UnknownPurpose,
)
from splitbrain.engine.domain.consent.events import (
    ConsentChanged,
    ConsentDecided,
    ConsentEvent,
    ConsentExpired,
    ConsentGranted,
    ConsentRevoked,
    OutreachBlocked,
    OutreachQueued,
    OutreachSent,
)
from splitbrain.engine.domain.consent.model import (
    Consent,
    ConsentStatus,
    Period,
    Slot,
    consent_ref_for,
    expire,
    grant,
    revoke,
)
from splitbrain.engine.domain.consent.outreach import OutreachStatus, QueuedMessage
from splitbrain.engine.domain.consent.purposes import (
    ACT_REASON_SYSTEM,
    BREAK_GLASS_PURPOSES,
    PURPOSES,
    Purpose,
    is_known_purpose,
    purpose,
)

__all__ = [
    "ACT_REASON_SYSTEM",
    "BREAK_GLASS_PURPOSES",
    "CHANNELS",
    "CONSENT_POLICY_VERSION",
    "PURPOSES",
    "Channel",
    "Consent",
    "ConsentChanged",
    "ConsentDecided",
    "ConsentDecision",
    "ConsentError",
    "ConsentEvent",
    "ConsentExpired",
    "ConsentGranted",
    "ConsentRefMismatch",
    "ConsentRefused",
    "ConsentRevoked",
    "ConsentStatus",
    "DecisionReason",
    "EnforcementPoint",
    "InvalidPeriod",
    "OutreachAlreadyDecided",
    "OutreachBlocked",
    "OutreachIdReused",
    "OutreachQueued",
    "OutreachRefused",
    "OutreachSent",
    "OutreachStatus",
    "Period",
    "Permission",
    "Purpose",
    "QueuedMessage",
    "Slot",
    "SlotMismatch",
    "UnknownChannel",
    "UnknownOutreach",
    "UnknownPurpose",
    "channel",
    "consent_ref_for",
    "decide_consent",
    "enforce_disclosure",
    "enforce_send",
    "expire",
    "grant",
    "is_known_purpose",
    "purpose",
    "queue_message",
    "revoke",
]
