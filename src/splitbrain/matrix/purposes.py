"""Purposes of use: the HL7 v3 ActReason codes a disclosure path may name (DESIGN §6).

The matrix package keeps its own copy because it depends on nothing else of splitbrain; the
engine's consent code list (``splitbrain.engine.domain.consent.purposes``) is the authority, and
a test holds the two equal, code for code and display for display. ``needs_consent`` marks the
purposes for which a disclosure needs the person's own consent (an authorization): marketing and
research. Treatment, payment and operations do not (HIPAA 45 CFR 164.506), though a path may
still require consent for them.

Example::

    PURPOSES["HMARKT"].needs_consent   # -> True
    PURPOSES["TREAT"].display          # -> "treatment"
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Purpose:
    """One ActReason purpose-of-use code."""

    code: str
    display: str
    needs_consent: bool = False


PURPOSES: dict[str, Purpose] = {
    purpose.code: purpose
    for purpose in (
        Purpose("TREAT", "treatment"),
        Purpose("CAREMGT", "care management"),
        Purpose("COC", "coordination of care"),
        Purpose("CLINTRL", "clinical trial", needs_consent=True),
        Purpose("POPHLTH", "population health"),
        Purpose("HOPERAT", "healthcare operations"),
        Purpose("HDIRECT", "directory"),
        Purpose("HMARKT", "healthcare marketing", needs_consent=True),
        Purpose("HQUALIMP", "health quality improvement"),
        Purpose("HOUTCOMS", "health outcome measure"),
        Purpose("HSYSADMIN", "health system administration"),
        Purpose("PATADMIN", "patient administration"),
        Purpose("PATSFTY", "patient safety"),
        Purpose("RECORDMGT", "records management"),
        Purpose("MEMADMIN", "member administration"),
        Purpose("HLEGAL", "legal"),
        Purpose("HCOMPL", "health compliance"),
        Purpose("HACCRED", "health accreditation"),
        Purpose("HPAYMT", "healthcare payment"),
        Purpose("COVERAGE", "coverage under policy or program"),
        Purpose("COVAUTH", "coverage authorization"),
        Purpose("ELIGDTRM", "eligibility determination"),
        Purpose("ELIGVER", "eligibility verification"),
        Purpose("ENROLLM", "enrollment"),
        Purpose("CLMATTCH", "claim attachment"),
        Purpose("REMITADV", "remittance advice"),
        Purpose("HRESCH", "healthcare research", needs_consent=True),
        Purpose("BIORCH", "biomedical research", needs_consent=True),
        Purpose("CLINTRCH", "clinical trial research", needs_consent=True),
        Purpose("DSRCH", "disease specific healthcare research", needs_consent=True),
        Purpose("PUBHLTH", "public health"),
        Purpose("DISASTER", "disaster"),
        Purpose("THREAT", "threat"),
        Purpose("GOV", "government"),
        Purpose("PATRQT", "patient requested"),
        Purpose("FAMRQT", "family requested"),
        Purpose("PWATRNY", "power of attorney"),
        Purpose("SUPNWK", "support network"),
        Purpose("HTEST", "test health data"),
        Purpose("ETREAT", "emergency treatment"),
        Purpose("ERTREAT", "emergency room treatment"),
        Purpose("BTG", "break the glass"),
    )
}
"""The purposes a path may name, by code."""

COMMON = ("TREAT", "CAREMGT", "HOPERAT", "PATADMIN", "HPAYMT", "HMARKT", "HRESCH")
"""The codes a lint fix suggests first."""
