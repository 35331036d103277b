"""Steps that read what each system holds once the world is quiet (DESIGN §9: quiescence).

They read as an observer (the admin client), never as the engine, so the history shows the
SUT's own operations only. Values compare in canonical form: phones by their digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from pytest_bdd import parsers, then

from splitbrain.harness.steps.people import NAME, crm_contact, purpose_code
from splitbrain.harness.steps.story import Story

Reader = Callable[[Mapping[str, Any]], Any]


def _telecom(kind: str) -> Reader:
    def read(patient: Mapping[str, Any]) -> Any:
        points = [t for t in patient.get("telecom") or [] if t.get("system") == kind]
        return points[0].get("value") if points else None

    return read


READERS: Final[Mapping[tuple[str, str], Reader]] = {
    ("crm", "date of birth"): lambda r: r.get("birth_date"),
    ("crm", "phone"): lambda r: r.get("phone"),
    ("crm", "email"): lambda r: r.get("email"),
    ("crm", "workflow state"): lambda r: (r.get("custom") or {}).get("workflow_state"),
    ("crm", "lead source"): lambda r: r.get("lead_source"),
    ("portal", "date of birth"): lambda r: r.get("birth_date"),
    ("portal", "phone"): lambda r: r.get("phone"),
    ("portal", "email"): lambda r: r.get("email"),
    ("portal", "status"): lambda r: r.get("status"),
    ("ehr", "date of birth"): lambda r: r.get("birthDate"),
    ("ehr", "phone"): _telecom("phone"),
    ("ehr", "email"): _telecom("email"),
}
SYSTEMS: Final = {"CRM": "crm", "portal": "portal", "EHR": "ehr"}
SYSTEM = r"(?P<system>CRM|portal|EHR)"
FLAG = r"(?P<purpose>[a-z ]+) by (?P<channel>sms|email)"
VALUE = r'"(?P<value>[^"]*)"'


def record_of(story: Story, name: str, system: str) -> dict[str, Any]:
    if system == "crm":
        return crm_contact(story, name)
    if system == "portal":
        return dict(story.read("portal", f"/accounts/{story.record(name, 'portal')}"))
    return dict(story.read("ehr", f"/Patient/{story.record(name, 'ehr')}"))


def _same(field: str, held: Any, expected: str) -> bool:
    if field == "phone" and held is not None:
        return _digits(str(held)) == _digits(expected)
    return bool(held == expected)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone).removeprefix("1")


@then(parsers.re(rf"the CRM holds one contact for {NAME}$"))
def one_contact(splitbrain_story: Story, name: str) -> None:
    contact = crm_contact(splitbrain_story, name)
    made_by_staff = "crm" in splitbrain_story.person(name).records
    assert made_by_staff or str(contact.get("patient_ref", "")).startswith("tok_"), (
        f"{name}'s CRM contact {contact['id']} names her by something other than a token"
    )


@then(parsers.re(rf"{NAME}'s {SYSTEM} record shows her (?P<field>[a-z ]+) as {VALUE}$"))
def shows(splitbrain_story: Story, name: str, system: str, field: str, value: str) -> None:
    key = SYSTEMS[system]
    record = record_of(splitbrain_story, name, key)
    held = READERS[(key, field)](record)
    assert _same(field, held, value), (
        f"{name}'s {system} record {record.get('id')} holds another {field} than the one expected"
        f" (version {record.get('version') or (record.get('meta') or {}).get('versionId')})"
    )


@then(parsers.re(rf'{NAME}\'s portal status is "(?P<status>[^"]+)"$'))
def portal_status(splitbrain_story: Story, name: str, status: str) -> None:
    account = splitbrain_story.record(name, "portal")
    body = splitbrain_story.read("portal", f"/accounts/{account}/status")
    assert body.get("status") == status, f"account {account} shows status {body.get('status')!r}"


@then(
    parsers.re(rf'the CRM\'s (?P<queue>[a-z_]+) queue has a task "(?P<subject>[^"]+)" for {NAME}$')
)
def has_task(splitbrain_story: Story, queue: str, subject: str, name: str) -> None:
    tasks = _tasks(splitbrain_story, queue, name)
    subjects = [str(t.get("subject")) for t in tasks]
    assert any(subject in s for s in subjects), f"{queue} tasks for {name}: {subjects}"


@then(parsers.re(rf"the CRM's (?P<queue>[a-z_]+) queue has no task for {NAME}$"))
def no_task(splitbrain_story: Story, queue: str, name: str) -> None:
    tasks = _tasks(splitbrain_story, queue, name)
    assert not tasks, f"{queue} holds {len(tasks)} task(s) for {name}"


@then(parsers.re(rf"{NAME}'s CRM flag for {FLAG} is (?P<state>on|off)$"))
def crm_flag(splitbrain_story: Story, name: str, purpose: str, channel: str, state: str) -> None:
    contact = crm_contact(splitbrain_story, name)
    flags = contact.get("consents") or {}
    held = (flags.get(purpose_code(purpose)) or {}).get(channel)
    assert held is (state == "on"), f"contact {contact['id']} flag {purpose}:{channel} is {held}"


@then(parsers.re(r"the CRM refuses the message as (?P<code>[a-z_]+)$"))
def refused(splitbrain_story: Story, code: str) -> None:
    response = splitbrain_story.last
    assert response is not None, "no message was sent in this scenario"
    body = response.json() if response.content else {}
    got = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
    assert response.status_code == 409 and got == code, f"HTTP {response.status_code} {got}"


@then(parsers.re(rf"no (?P<purpose>[a-z ]+) message went to {NAME}$"))
def no_message(splitbrain_story: Story, purpose: str, name: str) -> None:
    contact = crm_contact(splitbrain_story, name)
    sends = splitbrain_story.read("crm", "/outreach/sends", contact_id=contact["id"],
                                  purpose=purpose_code(purpose), status="sent")  # fmt: skip
    assert not sends["items"], f"{len(sends['items'])} {purpose} message(s) sent to {name}"


def _tasks(story: Story, queue: str, name: str) -> list[dict[str, Any]]:
    contact = crm_contact(story, name)
    items = story.read("crm", "/tasks", owner_queue=queue, limit=200)["items"]
    return [t for t in items if t.get("contact_id") == contact["id"]]
