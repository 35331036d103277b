"""The vocabularies of a GLP-1 weight-management program: diagnoses, regimens, CRM and portal
wording. Typed as data.

The CRM and the portal name stages in their own words (the matrix maps them to canonical
stages); :data:`CRM_STAGE_NAMES` and :data:`PORTAL_STATUSES` are those words.
"""

from __future__ import annotations

__all__ = [
    "CAMPAIGNS",
    "CLINICAL_STATUS",
    "CRM_STAGE_NAMES",
    "DIAGNOSES",
    "LEAD_SOURCES",
    "PORTAL_STATUSES",
    "REGIMENS",
]

#: ICD-10-CM code, display, relative weight in the program.
DIAGNOSES: tuple[tuple[str, str, int], ...] = (
    ("E66.01", "Morbid (severe) obesity due to excess calories", 20),
    ("E66.9", "Obesity, unspecified", 25),
    ("E66.3", "Overweight", 8),
    ("E66.811", "Obesity, class 1", 6),
    ("E66.812", "Obesity, class 2", 6),
    ("E66.813", "Obesity, class 3", 4),
    ("E11.9", "Type 2 diabetes mellitus without complications", 12),
    ("E11.65", "Type 2 diabetes mellitus with hyperglycemia", 5),
    ("R73.03", "Prediabetes", 6),
    ("E78.5", "Hyperlipidemia, unspecified", 3),
    ("I10", "Essential (primary) hypertension", 3),
    ("G47.33", "Obstructive sleep apnea (adult) (pediatric)", 2),
)

#: Drug, dose steps (mg), frequency: a plan is one drug at one step.
REGIMENS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("semaglutide", ("0.25", "0.5", "1", "1.7", "2.4"), "weekly"),
    ("tirzepatide", ("2.5", "5", "7.5", "10", "12.5", "15"), "weekly"),
    ("liraglutide", ("0.6", "1.2", "1.8", "2.4", "3"), "daily"),
    ("dulaglutide", ("0.75", "1.5", "3", "4.5"), "weekly"),
    ("oral semaglutide", ("3", "7", "14"), "daily"),
)

#: FHIR condition-clinical code for the persons in care and the discharged.
CLINICAL_STATUS: dict[str, tuple[str, ...]] = {
    "in_care": ("active",),
    "discharged": ("resolved", "inactive", "remission"),
}

LEAD_SOURCES: tuple[str, ...] = (
    "web_form",
    "paid_search",
    "paid_social",
    "referral",
    "employer_program",
    "organic",
    "partner_clinic",
    "event",
)

CAMPAIGNS: tuple[str, ...] = (
    "SYN-2024-Q4-NEWYEAR",
    "SYN-2025-Q1-RESET",
    "SYN-2025-Q1-EMPLOYER",
    "SYN-2025-Q2-SPRING",
    "SYN-2025-Q2-REFERRAL",
    "SYN-ALWAYS-ON-SEARCH",
)

#: Canonical stage -> the CRM pipeline's own stage name.
CRM_STAGE_NAMES: dict[str, str] = {
    "lead": "New Lead",
    "intake": "Intake Started",
    "qualified": "Qualified - Awaiting Visit",
    "in_care": "Active Patient",
    "discharged": "Closed - Program Complete",
}

#: Canonical stage -> what the patient sees in the portal.
PORTAL_STATUSES: dict[str, str] = {
    "lead": "Not registered",
    "intake": "Application received",
    "qualified": "Ready to book your first visit",
    "in_care": "In care",
    "discharged": "Program complete",
}
