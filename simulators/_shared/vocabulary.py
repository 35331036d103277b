"""Consent words the CRM and the portal share: purposes of use and contact channels.

The purposes are HL7 v3 ActReason (PurposeOfUse) codes with their display names; a CRM consent
flag, a portal consent and a preference all name one of them and one channel.

>>> PURPOSES["HMARKT"], CHANNELS[0]
('healthcare marketing', 'sms')
"""

from __future__ import annotations

from typing import Final

__all__ = ["CHANNELS", "PURPOSES"]

#: HL7 v3 ActReason purpose-of-use codes the simulators accept, with their display names.
PURPOSES: Final[dict[str, str]] = {
    "TREAT": "treatment",
    "ETREAT": "emergency treatment",
    "CAREMGT": "care management",
    "HPAYMT": "healthcare payment",
    "HOPERAT": "healthcare operations",
    "HMARKT": "healthcare marketing",
    "HRESCH": "healthcare research",
    "PUBHLTH": "public health",
    "HDIRECT": "directory",
    "PATRQT": "patient requested",
    "FAMRQT": "family requested",
    "PWATRNY": "power of attorney",
    "SUPNWK": "support network",
    "BTG": "break the glass",
}

#: Channels a consent flag or preference can name.
CHANNELS: Final[tuple[str, ...]] = ("sms", "email", "phone", "portal", "mail")
