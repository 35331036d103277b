"""FHIR R4 resources of system records: Patient (every system), Condition and
MedicationRequest (the EHR's clinical context, where the canaries are).

One resource per NDJSON line, as FHIR Bulk Data exports them: ``<system>.Patient.ndjson``,
``ehr.Condition.ndjson``, ``ehr.MedicationRequest.ndjson``. Resource ids are the systems'
record ids. Every Patient validates against ``fhir.resources.R4B.patient.Patient``.
"""

from __future__ import annotations

from typing import Any

from simulators.population.model import SystemRecord

__all__ = ["IDENTIFIER_SYSTEMS", "condition", "medication_request", "patient"]

#: The identifier system URI of each system's record id, and of the EHR's MRN and SSN-like.
IDENTIFIER_SYSTEMS: dict[str, str] = {
    "ehr": "https://ehr.example.org/fhir/sid/patient",
    "crm": "https://crm.example.org/sid/contact",
    "portal": "https://portal.example.org/sid/account",
    "mrn": "https://ehr.example.org/fhir/sid/mrn",
    "ssn": "https://ehr.example.org/fhir/sid/ssn-synthetic",
}
_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def _identifiers(r: SystemRecord) -> list[dict[str, Any]]:
    ids: list[dict[str, Any]] = [{"system": IDENTIFIER_SYSTEMS[r.system], "value": r.record_id}]
    for value, kind, code in ((r.mrn, "mrn", "MR"), (r.ssn, "ssn", "SS")):
        if value is not None:
            ids.append(
                {
                    "type": {"coding": [{"system": _V2_0203, "code": code}]},
                    "system": IDENTIFIER_SYSTEMS[kind],
                    "value": value,
                }
            )
    return ids


def patient(r: SystemRecord) -> dict[str, Any]:
    """The record as a FHIR R4 Patient; absent values are omitted, never empty strings."""
    official = {"use": "official", "family": r.family, "given": [r.given]}
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": r.record_id,
        "identifier": _identifiers(r),
        "active": True,
        "name": [official],
    }
    if r.preferred_name is not None:
        res["name"].append({"use": "nickname", "given": [r.preferred_name]})
    telecom = [{"system": "phone", "value": r.phone, "use": "home"}] if r.phone else []
    if r.email is not None:
        telecom.append({"system": "email", "value": r.email})
    if telecom:
        res["telecom"] = telecom
    if r.sex is not None:
        res["gender"] = r.sex
    if r.birth_date is not None:
        res["birthDate"] = r.birth_date
    if r.address is not None:
        a = r.address
        res["address"] = [
            {
                "use": "home",
                "line": [a.line],
                "city": a.city,
                "state": a.state,
                "postalCode": a.postcode,
                "country": "US",
            }
        ]
    if r.language is not None:
        coding = {"system": "urn:ietf:bcp:47", "code": r.language}
        res["communication"] = [{"language": {"coding": [coding]}, "preferred": True}]
    return res


def condition(r: SystemRecord) -> dict[str, Any] | None:
    """The program diagnosis as a Condition, the note carrying the canary; None without one."""
    c = r.clinical
    if c is None:
        return None
    status = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    return {
        "resourceType": "Condition",
        "id": f"{r.record_id}-dx",
        "clinicalStatus": {"coding": [{"system": status, "code": c.clinical_status}]},
        "code": {
            "coding": [
                {"system": _ICD10CM, "code": c.diagnosis_code, "display": c.diagnosis_display}
            ]
        },
        "subject": {"reference": f"Patient/{r.record_id}"},
        "note": [{"text": c.diagnosis_note}],
    }


def medication_request(r: SystemRecord) -> dict[str, Any] | None:
    """The medication plan as a MedicationRequest; the dosage text carries the canary."""
    c = r.clinical
    if c is None:
        return None
    return {
        "resourceType": "MedicationRequest",
        "id": f"{r.record_id}-rx",
        "status": "active" if c.clinical_status == "active" else "completed",
        "intent": "order",
        "medicationCodeableConcept": {"text": c.medication_plan.partition(" [")[0]},
        "subject": {"reference": f"Patient/{r.record_id}"},
        "dosageInstruction": [{"text": c.medication_plan}],
    }
