"""One Locust user class per persona of a telehealth day (STYLE §11), weighted as the day is.

| persona | client | system | tasks |
|---|---|---|---|
| ``FrontDesk`` | intake_ops | CRM | new leads, demographic edits, look-ups |
| ``Provider`` | provider | EHR | registrations, name corrections, notes, decisions, medications |
| ``Patient`` | patient | portal | sign-ups (some twice), intake, contact details, consents |
| ``Campaign`` | automation | CRM | outreach sends to the consenting audience |
| ``AdtFeed`` (``load.mllp``) | MLLP | EHR | ADT A04 registrations and A08 updates |

Every answer is checked (status, body shape); a wrong one is a failure of that request. A change
the other systems must see becomes a sync mark (``load.marks``). The base class is
``load.persona.Persona``. A person is lent to one user
at a time (``Cohort.take``), so the load never races two people on one field: races are the
conflict scenarios' job. Everyone is paced at a fixed rate (``load.pacing``).
"""

from __future__ import annotations

from load.crm_staff import Campaign, FrontDesk
from load.patient import Patient
from load.persona import Persona
from load.provider import Provider

__all__ = ["PERSONAS", "Campaign", "FrontDesk", "Patient", "Provider"]

PERSONAS: tuple[type[Persona], ...] = (Patient, FrontDesk, Provider, Campaign)
"""The HTTP personas (``AdtFeed`` speaks MLLP); each one's ``host`` is set from the contract."""
