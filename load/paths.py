"""The sync paths the load measures, and where a revocation must be honored.

A path is ``source→target``: the time from the source system's acknowledgement of a change to
the first change event of the target that shows it. ``hl7→crm`` starts at the EHR's MLLP ACK;
``ehr→portal`` is the patient-visible status a clinical decision sets (no field travels from
the chart to the portal: the matrix has no such disclosure path).
Consent propagation is reported per enforcement point (``revoke→crm``: the CRM's own outreach
automation reads its local flag) and as ``revoke→all``: the last of them.
"""

from __future__ import annotations

from typing import Final

EHR_CRM: Final = "ehr→crm"
EHR_PORTAL: Final = "ehr→portal"
HL7_CRM: Final = "hl7→crm"
PORTAL_CRM: Final = "portal→crm"
PORTAL_EHR: Final = "portal→ehr"
CRM_EHR: Final = "crm→ehr"
CRM_PORTAL: Final = "crm→portal"
GRANT_CRM: Final = "grant→crm"
REVOKE_ALL: Final = "revoke→all"

SYNC_PATHS: Final = (EHR_CRM, EHR_PORTAL, HL7_CRM, PORTAL_CRM, PORTAL_EHR, CRM_EHR, CRM_PORTAL,
                     GRANT_CRM)  # fmt: skip
ENFORCEMENT_POINTS: Final = ("crm",)
"""Systems that enforce consent themselves and so must learn of a revoke (the CRM's campaign
automation checks its local flag). The portal is the source; the engine checks consent at
the moment of disclosure, and a violation shows in the histories (the checker)."""
CONSENT_PATHS: Final = (*(f"revoke→{p}" for p in ENFORCEMENT_POINTS), REVOKE_ALL)
