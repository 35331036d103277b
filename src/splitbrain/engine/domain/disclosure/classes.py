"""What a field's disclosure class means for routing, display, logging and retention (DESIGN §6).

=================  =========  ============  ==============  ================  ================
class              CRM raw    leaves owner  display         logs and audit    kept outside
                                                            (never a value)   the owner
=================  =========  ============  ==============  ================  ================
operational        yes        yes           in full         fingerprint       per the path
limited_clinical   on a path  on a path     masked          fingerprint       per the path
phi_restricted     never      yes, not CRM  withheld        fingerprint       per the path
highly_restricted  never      never raw     withheld        field name only   never
=================  =========  ============  ==============  ================  ================

Example::

    HANDLING[DisclosureClass.PHI_RESTRICTED].crm_raw        # -> False
    HANDLING[DisclosureClass.LIMITED_CLINICAL].display("+15550100123")   # -> "•••••••••23"
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from splitbrain.engine.domain.policy import DisclosureClass

CRM = "crm"
MASK = "•"
WITHHELD = "[withheld]"


class Display(StrEnum):
    FULL = "full"
    MASKED = "masked"
    WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class Handling:
    """The rules a class imposes wherever one of its values goes."""

    disclosure: DisclosureClass
    crm_raw: bool
    """May the raw value reach the CRM at all (still only on a path that passes it)?"""
    leaves_owner_raw: bool
    """May the raw value leave its owner system at all?"""
    shown: Display
    """How screens, reports and error pages outside the owner show a value."""
    fingerprint_in_logs: bool
    """May logs and audit events carry a keyed fingerprint of the value (never the value)?"""
    kept_outside_owner: bool
    """May a destination keep what it received (for the path's retention)?"""

    def display(self, value: str | None) -> str:
        """The value as a screen outside its owner shows it."""
        if value is None:
            return ""
        if self.shown is Display.FULL:
            return value
        if self.shown is Display.WITHHELD or len(value) <= 4:
            return WITHHELD
        return MASK * (len(value) - 2) + value[-2:]


HANDLING: dict[DisclosureClass, Handling] = {
    DisclosureClass.OPERATIONAL: Handling(
        DisclosureClass.OPERATIONAL, True, True, Display.FULL, True, True
    ),
    DisclosureClass.LIMITED_CLINICAL: Handling(
        DisclosureClass.LIMITED_CLINICAL, True, True, Display.MASKED, True, True
    ),
    DisclosureClass.PHI_RESTRICTED: Handling(
        DisclosureClass.PHI_RESTRICTED, False, True, Display.WITHHELD, True, True
    ),
    DisclosureClass.HIGHLY_RESTRICTED: Handling(
        DisclosureClass.HIGHLY_RESTRICTED, False, False, Display.WITHHELD, False, False
    ),
}
