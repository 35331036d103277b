"""The portal's words: what a patient sees as their status, contact times, intake states.

Consent purposes (HL7 v3 ActReason) and channels are the lists the CRM uses too
(``simulators._shared.vocabulary``). The statuses match the synthetic population's portal wording.
"""

from __future__ import annotations

from typing import Final

from simulators._shared.vocabulary import CHANNELS, PURPOSES

__all__ = [
    "CHANNELS",
    "CONSENT_STATUSES",
    "CONTACT_TIMES",
    "INTAKE_STATUSES",
    "PORTAL_STATUSES",
    "PURPOSES",
]

#: What the patient sees, in program order.
PORTAL_STATUSES: Final[tuple[str, ...]] = (
    "Not registered",
    "Application received",
    "Ready to book your first visit",
    "In care",
    "Program complete",
)
CONTACT_TIMES: Final[tuple[str, ...]] = ("morning", "afternoon", "evening", "any")
INTAKE_STATUSES: Final[tuple[str, ...]] = ("in-progress", "completed", "amended")
CONSENT_STATUSES: Final[tuple[str, ...]] = ("active", "revoked", "expired")
