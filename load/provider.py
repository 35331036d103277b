"""Providers in the EHR (FHIR R4): registrations, name corrections, notes, decisions."""

from __future__ import annotations

from locust import task

from load import paths
from load.persona import Persona

__all__ = ["Provider"]


class Provider(Persona):
    """Providers in the EHR (FHIR R4)."""

    weight = 2
    system = "ehr"
    client_name = "provider"

    @task(3)
    def register(self) -> None:
        """A new patient in the chart; once the CRM has them (name and birth date: the CRM owns
        the contact details before care starts), they may sign up in the portal."""
        if self.ctx.draining:
            return
        person = self.ctx.people.new()
        body = self.call("POST", "/Patient", "POST /Patient", expect=(201,), json={
            "resourceType": "Patient", "name": [{"family": person.family,
                                                 "given": [person.given]}],
            "birthDate": person.birth_date,
            "telecom": [{"system": "email", "value": person.email},
                        {"system": "phone", "value": person.phone}],
        })  # fmt: skip
        if body is None:
            return
        person.patient = str(body["id"])

        def registered(rid: str) -> None:
            person.contact = rid
            person.stage = "registered"
            self.ctx.cohort.give_back(person)

        self.sync(paths.EHR_CRM, "crm", value=person.family, on_visible=registered)

    @task(2)
    def correct_name(self) -> None:
        """A provider corrects the legal name in the chart (a provider's correction always
        counts, whoever owns the name at this stage); the CRM follows."""
        person = None if self.ctx.draining else self.ctx.cohort.take("charted")
        if person is None:
            return
        current_patient = self.call("GET", f"/Patient/{person.patient}", "GET /Patient/{id}",
                                    need=("meta",))  # fmt: skip
        if current_patient is None:
            self.ctx.cohort.give_back(person)
            return
        person.family = self.ctx.people.family_name()
        names = list(current_patient.get("name") or [{}])
        names[0] = {**names[0], "family": person.family, "given": [person.given]}
        # a chart client sends the resource without the server's meta (and so without the
        # engine's meta.source marker of its last write: kept, it makes this edit an "echo")
        updated = {k: v for k, v in current_patient.items() if k != "meta"} | {"name": names}
        version = current_patient["meta"].get("versionId")
        body = self.call("PUT", f"/Patient/{person.patient}", "PUT /Patient/{id}", json=updated,
                         headers={"If-Match": f'W/"{version}"'}, expect=(200, 412))  # fmt: skip
        if body is None or body.get("resourceType") != "Patient":
            self.ctx.cohort.give_back(person)  # 412: the engine wrote since the read
            return
        # the CRM follows; the portal does not (the matrix has no disclosure path EHR → portal)
        self.sync(paths.EHR_CRM, "crm", value=person.family,
                  on_done=lambda: self.ctx.cohort.give_back(person))  # fmt: skip

    @task(1)
    def sign_note(self) -> None:
        person = self.ctx.cohort.take("charted")
        if person is None:
            return
        self.call("POST", "/DocumentReference", "POST /DocumentReference", expect=(201,), json={
            "resourceType": "DocumentReference", "status": "current",
            "subject": {"reference": f"Patient/{person.patient}"},
            "content": [{"attachment": {"contentType": "text/plain", "title": "visit note"}}],
        })  # fmt: skip
        self.ctx.cohort.give_back(person)

    @task(2)
    def decide(self) -> None:
        """A clinical decision (a Task coded approved) and the medication plan it starts; the
        portal shows the patient "In care" (measured the first time, when it changes)."""
        person = None if self.ctx.draining else self.ctx.cohort.take("charted")
        if person is None:
            return
        subject = {"reference": f"Patient/{person.patient}"}
        body = self.call("POST", "/Task", "POST /Task (decision)", expect=(201,), json={
            "resourceType": "Task", "status": "completed", "intent": "order", "for": subject,
            "code": {"coding": [{"system": "urn:splitbrain:clinical-decision",
                                 "code": "approved"}]},
        })  # fmt: skip
        if body is not None and not person.approved and person.account is not None:
            person.approved = True
            self.sync(paths.EHR_PORTAL, "portal", record=person.account,
                      predicate=lambda record: record.get("status") == "In care")  # fmt: skip
        self.call("POST", "/MedicationRequest", "POST /MedicationRequest", expect=(201,), json={
            "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": subject,
            "medicationCodeableConcept": {"text": "semaglutide 0.25 mg weekly"},
            "dosageInstruction": [{"text": "0.25 mg subcutaneously once weekly"}],
            "dispenseRequest": {"quantity": {"value": 1}},
        })  # fmt: skip
        self.ctx.cohort.give_back(person)
