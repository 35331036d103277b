"""Steps for what happens in the EHR: registration, chart corrections, the provider's work.

Clinical events are FHIR R4 resources a provider records (DESIGN §8): an Encounter with a
participant (a provider assigned), a current DocumentReference (a signed note), a Task coded in
``urn:splitbrain:clinical-decision`` (the decision), a MedicationRequest (a prescription, or a
refill request). The note and the medication detail stay in the EHR; a medication plan is noted
in the ground truth as restricted, so the checker finds any copy of it where its class forbids.
"""

from __future__ import annotations

from typing import Any, Final

from pytest_bdd import given, parsers, when

from splitbrain.harness.steps.people import NAME
from splitbrain.harness.steps.story import Story

DECISION_SYSTEM: Final = "urn:splitbrain:clinical-decision"
DECISIONS: Final = {
    "approved": "approved",
    "denied": "denied",
    "more information needed": "more-info",
    "refill pending": "refill-pending",
    "follow-up required": "follow-up",
}
PRACTITIONER: Final = {"reference": "Practitioner/dr-vale"}


def _post(story: Story, resource: dict[str, Any]) -> dict[str, Any]:
    response = story.act("ehr", "POST", f"/{resource['resourceType']}", client="provider",
                         json=resource)  # fmt: skip
    return story.expect(response, 201)


def _subject(story: Story, name: str) -> dict[str, str]:
    return {"reference": f"Patient/{story.record(name, 'ehr')}"}


@when(parsers.re(rf"the EHR registers {NAME}$"))
def registers(splitbrain_story: Story, name: str) -> None:
    who = splitbrain_story.person(name).identity
    patient = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": who.family, "given": [who.given]}],
        "birthDate": who.birth_date,
        "telecom": [{"system": "email", "value": who.email},
                    {"system": "phone", "value": who.phone}],
    }  # fmt: skip
    body = _post(splitbrain_story, patient)
    splitbrain_story.owns(name, "ehr", str(body["id"]))


@given(parsers.re(rf"{NAME} is registered in the EHR$"))
def registers_settled(splitbrain_story: Story, name: str) -> None:
    """The same, as something that has happened: the world has caught up with it."""
    registers(splitbrain_story, name)
    splitbrain_story.settle()


@when(parsers.re(rf'the EHR corrects {NAME}\'s date of birth to "(?P<value>[0-9-]+)"$'))
def corrects_birth_date(splitbrain_story: Story, name: str, value: str) -> None:
    """Read the chart, change it, PUT it back on its version; on a 412 read again (as a careful
    client does). The write is the provider's own: no ``meta.source`` copied from the read."""
    path = f"/Patient/{splitbrain_story.record(name, 'ehr')}"
    for _attempt in range(5):
        current = splitbrain_story.expect(
            splitbrain_story.act("ehr", "GET", path, client="provider"), 200
        )
        meta = current.pop("meta", {})
        current["birthDate"] = value
        response = splitbrain_story.act(
            "ehr", "PUT", path, client="provider", json=current,
            headers={"If-Match": f'W/"{meta.get("versionId")}"'},
        )  # fmt: skip
        if response.status_code != 412:
            break
    splitbrain_story.expect(response, 200)


@when(parsers.re(rf"a provider is assigned to {NAME}$"))
def provider_assigned(splitbrain_story: Story, name: str) -> None:
    _post(splitbrain_story, {
        "resourceType": "Encounter", "status": "planned",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
        "subject": _subject(splitbrain_story, name),
        "participant": [{"individual": PRACTITIONER}],
    })  # fmt: skip


@when(parsers.re(rf"the provider signs {NAME}'s visit note$"))
def signs_note(splitbrain_story: Story, name: str) -> None:
    _post(splitbrain_story, {
        "resourceType": "DocumentReference", "status": "current",
        "subject": _subject(splitbrain_story, name), "author": [PRACTITIONER],
        "content": [{"attachment": {"contentType": "text/plain", "title": "visit note"}}],
    })  # fmt: skip


@when(parsers.re(rf'the provider records the decision "(?P<decision>[a-z -]+)" for {NAME}$'))
def decides(splitbrain_story: Story, decision: str, name: str) -> None:
    _post(splitbrain_story, _decision(DECISIONS[decision], _subject(splitbrain_story, name)))


@when("a clinical decision is recorded in the EHR without its patient")
def decision_without_patient(splitbrain_story: Story) -> None:
    """A Task the FHIR rules allow but no engine can place: a poison event."""
    _post(splitbrain_story, _decision("approved", None))


@when(parsers.re(rf'the provider prescribes "(?P<plan>[^"]+)" for {NAME}$'))
def prescribes(splitbrain_story: Story, plan: str, name: str) -> None:
    splitbrain_story.truth.add_restricted(plan, splitbrain_story.person(name).gt,
                                          "medication_plan")  # fmt: skip
    _post(splitbrain_story, {
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "subject": _subject(splitbrain_story, name), "requester": PRACTITIONER,
        "medicationCodeableConcept": {"text": plan},
        "dosageInstruction": [{"text": plan}],
        "dispenseRequest": {"numberOfRepeatsAllowed": 2},
    })  # fmt: skip


@when(parsers.re(rf"{NAME} asks for a refill that names no dose$"))
def refill_without_dose(splitbrain_story: Story, name: str) -> None:
    _post(splitbrain_story, {
        "resourceType": "MedicationRequest", "status": "draft", "intent": "proposal",
        "subject": _subject(splitbrain_story, name),
        "medicationCodeableConcept": {"text": "refill"},
        "dispenseRequest": {"numberOfRepeatsAllowed": 1},
    })  # fmt: skip


def _decision(code: str, subject: dict[str, str] | None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task", "status": "completed", "intent": "order",
        "code": {"coding": [{"system": DECISION_SYSTEM, "code": code}]},
        "owner": PRACTITIONER,
    }  # fmt: skip
    if subject is not None:
        task["for"] = subject
    return task
