"""CSV rows of system records: one file per system, one header for all three.

Columns (:data:`CSV_HEADER`): ``record_id, given_name, family_name, preferred_name,
birth_date`` (ISO), ``sex`` (female/male), ``phone`` (as the system holds it), ``email,
address_line, city, state, postcode, language`` (BCP 47), ``mrn, ssn`` (EHR), ``diagnosis_code``
(ICD-10-CM), ``diagnosis_display, diagnosis_note, medication_plan, clinical_status`` (EHR),
``lead_source, campaign, crm_stage, sms_opt_in, email_opt_in`` (CRM), ``consents``
(``PURPOSE:channel`` joined by ``;``), ``preferred_channel, contact_time, visible_status``
(portal). An empty cell means the system does not hold the value. No ground-truth column
appears: which person a row is, is only in ``ground_truth.jsonl``.
"""

from __future__ import annotations

from simulators.population.model import SystemRecord

__all__ = ["CSV_HEADER", "csv_row"]

CSV_HEADER: tuple[str, ...] = (
    "record_id",
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "sex",
    "phone",
    "email",
    "address_line",
    "city",
    "state",
    "postcode",
    "language",
    "mrn",
    "ssn",
    "diagnosis_code",
    "diagnosis_display",
    "diagnosis_note",
    "medication_plan",
    "clinical_status",
    "lead_source",
    "campaign",
    "crm_stage",
    "sms_opt_in",
    "email_opt_in",
    "consents",
    "preferred_channel",
    "contact_time",
    "visible_status",
)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def csv_row(r: SystemRecord) -> list[str]:
    """The record's cells in :data:`CSV_HEADER` order."""
    a, c, crm, portal = r.address, r.clinical, r.crm, r.portal
    return [
        r.record_id,
        r.given,
        r.family,
        r.preferred_name or "",
        r.birth_date or "",
        r.sex or "",
        r.phone or "",
        r.email or "",
        *((a.line, a.city, a.state, a.postcode) if a else ("",) * 4),
        r.language or "",
        r.mrn or "",
        r.ssn or "",
        *(
            (
                c.diagnosis_code,
                c.diagnosis_display,
                c.diagnosis_note,
                c.medication_plan,
                c.clinical_status,
            )
            if c
            else ("",) * 5
        ),
        *(
            (
                crm.lead_source,
                crm.campaign,
                crm.stage_name,
                _flag(crm.sms_opt_in),
                _flag(crm.email_opt_in),
            )
            if crm
            else ("",) * 5
        ),
        *(
            (
                ";".join(portal.consents.as_codes()),
                portal.preferred_channel,
                portal.contact_time,
                portal.visible_status,
            )
            if portal
            else ("",) * 4
        ),
    ]
