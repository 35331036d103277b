"""Purposes of use: the HL7 v3 ActReason codes a consent or a request can name.

The code list ships in the package (below), so a purpose is validated without a terminology
server. It is the PurposeOfUse part of ``http://terminology.hl7.org/CodeSystem/v3-ActReason``
that an EHR / CRM / portal integration meets, with the code system's display names. A code that
is not here is unknown: a grant naming it is refused, a decision asking for it is denied.

Break-glass purposes (``ETREAT``, ``ERTREAT``, ``BTG``) are permitted by the decision point
without a consent, and every such decision carries a mandatory audit flag.

>>> PURPOSES["HMARKT"].display
'healthcare marketing'
>>> purpose("BTG").break_glass
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from splitbrain.engine.domain.consent.errors import UnknownPurpose

__all__ = [
    "ACT_REASON_SYSTEM",
    "BREAK_GLASS_PURPOSES",
    "PURPOSES",
    "Purpose",
    "is_known_purpose",
    "purpose",
]

ACT_REASON_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ActReason"


@dataclass(frozen=True, slots=True)
class Purpose:
    """One ActReason purpose of use."""

    code: str
    display: str
    break_glass: bool = False
    """Permitted without a consent, always flagged in the audit log."""


_CODES: tuple[tuple[str, str], ...] = (
    # treatment and care
    ("TREAT", "treatment"),
    ("CAREMGT", "care management"),
    ("COC", "coordination of care"),
    ("CLINTRL", "clinical trial"),
    ("POPHLTH", "population health"),
    # operations
    ("HOPERAT", "healthcare operations"),
    ("HDIRECT", "directory"),
    ("HMARKT", "healthcare marketing"),
    ("HQUALIMP", "health quality improvement"),
    ("HOUTCOMS", "health outcome measure"),
    ("HSYSADMIN", "health system administration"),
    ("PATADMIN", "patient administration"),
    ("PATSFTY", "patient safety"),
    ("RECORDMGT", "records management"),
    ("MEMADMIN", "member administration"),
    ("HLEGAL", "legal"),
    ("HCOMPL", "health compliance"),
    ("HACCRED", "health accreditation"),
    # payment
    ("HPAYMT", "healthcare payment"),
    ("COVERAGE", "coverage under policy or program"),
    ("COVAUTH", "coverage authorization"),
    ("ELIGDTRM", "eligibility determination"),
    ("ELIGVER", "eligibility verification"),
    ("ENROLLM", "enrollment"),
    ("CLMATTCH", "claim attachment"),
    ("REMITADV", "remittance advice"),
    # research
    ("HRESCH", "healthcare research"),
    ("BIORCH", "biomedical research"),
    ("CLINTRCH", "clinical trial research"),
    ("DSRCH", "disease specific healthcare research"),
    # public interest
    ("PUBHLTH", "public health"),
    ("DISASTER", "disaster"),
    ("THREAT", "threat"),
    ("GOV", "government"),
    # on someone's request
    ("PATRQT", "patient requested"),
    ("FAMRQT", "family requested"),
    ("PWATRNY", "power of attorney"),
    ("SUPNWK", "support network"),
    # testing
    ("HTEST", "test health data"),
)
_BREAK_GLASS: tuple[tuple[str, str], ...] = (
    ("ETREAT", "emergency treatment"),
    ("ERTREAT", "emergency room treatment"),
    ("BTG", "break the glass"),
)

PURPOSES: Final[Mapping[str, Purpose]] = MappingProxyType(
    {code: Purpose(code, display) for code, display in _CODES}
    | {code: Purpose(code, display, break_glass=True) for code, display in _BREAK_GLASS}
)
"""Every purpose code the engine knows, by code."""

BREAK_GLASS_PURPOSES: Final = frozenset(code for code, _ in _BREAK_GLASS)


def is_known_purpose(code: str) -> bool:
    return code in PURPOSES


def purpose(code: str, *, where: str = "purpose") -> Purpose:
    """The purpose for ``code``; raises ``UnknownPurpose`` (naming ``where``) otherwise."""
    found = PURPOSES.get(code)
    if found is None:
        raise UnknownPurpose(code, where)
    return found
