"""Plain words for explanations: field and system labels, consent purposes and channels.

Explanations are read by a clinical operations lead, not by the engineer who wrote the sync, so
they say "Date of birth" and "the CRM", and "marketing messages by text message", not
``date_of_birth``, ``crm`` and ``HMARKT:sms``::

    words = Wording.from_matrix(load_matrix("scenarios/matrices/telehealth.yaml"))
    words.field("date_of_birth")          # "Date of birth"
    words.system("portal")                # "the patient portal"
    words.consent("HMARKT:sms")           # "marketing messages by text message"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from splitbrain.matrix.model import Matrix

__all__ = ["Wording"]

_PURPOSES: Mapping[str, str] = {
    "TREAT": "treatment",
    "HPAYMT": "payment",
    "HOPERAT": "operations",
    "HMARKT": "marketing",
    "HRESCH": "research",
    "ETREAT": "emergency treatment",
    "HDIRECT": "directory",
    "PATRQT": "patient-requested",
}
_CHANNELS: Mapping[str, str] = {
    "sms": "text message",
    "email": "email",
    "phone": "phone call",
    "portal": "portal message",
    "mail": "mail",
}
_SYSTEMS: Mapping[str, str] = {"ehr": "the EHR", "crm": "the CRM", "portal": "the patient portal"}


@dataclass(frozen=True, slots=True)
class Wording:
    field_labels: Mapping[str, str] = field(default_factory=dict)
    system_labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_matrix(cls, matrix: Matrix) -> Wording:
        return cls(
            field_labels={n: s.label for n, s in matrix.fields.items() if s.label},
            system_labels={n: f"the {s.label}" for n, s in matrix.systems.items() if s.label},
        )

    def field(self, name: str | None) -> str:
        if name is None:
            return "a field"
        label = self.field_labels.get(name)
        return f"{label} ({name})" if label else name.replace("_", " ")

    def system(self, name: str) -> str:
        return self.system_labels.get(name) or _SYSTEMS.get(name) or f"system {name!r}"

    def consent(self, purpose_channel: str) -> str:
        """``HMARKT:sms`` -> ``marketing messages by text message (HMARKT:sms)``."""
        purpose, _, channel = purpose_channel.partition(":")
        what = _PURPOSES.get(purpose, purpose)
        how = _CHANNELS.get(channel, channel)
        return f"{what} messages by {how} ({purpose_channel})"
