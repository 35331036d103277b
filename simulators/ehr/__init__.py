"""The EHR simulator: FHIR R4 over HTTP (this package) and HL7 v2 over MLLP (``hl7/``).

Both sides share one ``FhirStore``; see ``app.create_app``.
"""

from __future__ import annotations

from simulators.ehr.app import create_app
from simulators.ehr.changes import ChangeEvent
from simulators.ehr.store import FhirStore

__all__ = ["ChangeEvent", "FhirStore", "create_app"]
