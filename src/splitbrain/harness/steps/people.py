"""Steps for what patients do in the portal and staff do in the CRM.

Each step acts through the simulators' public APIs as that person would (the patient's client,
growth ops' client) and notes the records it creates in the ground truth. Purposes read in
plain words (``marketing`` is HMARKT) or as their ActReason code.
"""

from __future__ import annotations

from typing import Any, Final

from pytest_bdd import given, parsers, when

from splitbrain.harness.steps.story import Story

PURPOSES: Final = {
    "marketing": "HMARKT",
    "treatment": "TREAT",
    "care coordination": "CAREMGT",
    "research": "HRESCH",
    "payment": "HPAYMT",
    "operations": "HOPERAT",
}
CRM_COLUMNS: Final = {"date of birth": "birth_date", "phone": "phone", "email": "email",
                      "lead source": "lead_source", "stage": "stage"}  # fmt: skip
PORTAL_COLUMNS: Final = {"date of birth": "birth_date", "phone": "phone", "email": "email"}
NAME = r"(?P<name>[A-Z][a-z]+)"
CONSENT = r"(?P<purpose>[a-z ]+) by (?P<channel>sms|email)"


def purpose_code(words: str) -> str:
    return PURPOSES.get(words, words)


def crm_contact(story: Story, name: str) -> dict[str, Any]:
    """Her one CRM contact (found by her email); fails when there are none or several."""
    email = story.person(name).identity.email
    found = story.read("crm", "/contacts", email=email, limit=50)["items"]
    if len(found) != 1:
        raise AssertionError(f"the CRM holds {len(found)} contacts for {name}, expected one")
    return dict(found[0])


# -- the CRM (staff) --------------------------------------------------------------------------
@given(parsers.re(rf"{NAME} is a lead in the CRM$"))
@when(parsers.re(rf"growth ops enters {NAME} as a lead in the CRM$"))
def lead_in_crm(splitbrain_story: Story, name: str) -> None:
    who = splitbrain_story.person(name).identity
    contact = {
        "first_name": who.given, "last_name": who.family, "email": who.email,
        "phone": who.phone, "stage": "New Lead", "lead_source": "web",
    }  # fmt: skip
    response = splitbrain_story.act("crm", "POST", "/contacts", client="growth", json=contact)
    body = splitbrain_story.expect(response, 201)
    splitbrain_story.owns(name, "crm", str(body["id"]))
    splitbrain_story.settle()


@when(
    parsers.re(
        rf'growth ops changes {NAME}\'s (?P<field>[a-z ]+) in the CRM to "(?P<value>[^"]*)"$'
    )
)
def crm_edit(splitbrain_story: Story, name: str, field: str, value: str) -> None:
    contact = crm_contact(splitbrain_story, name)
    patch = {CRM_COLUMNS[field]: value}
    response = splitbrain_story.act(
        "crm", "PATCH", f"/contacts/{contact['id']}", client="growth", json=patch,
        headers={"If-Match": f'"{contact["version"]}"'},
    )  # fmt: skip
    splitbrain_story.expect(response, 200)


@when(
    parsers.re(rf"the CRM sends {NAME} a (?P<purpose>[a-z ]+) message by (?P<channel>sms|email)$")
)
def crm_sends(splitbrain_story: Story, name: str, purpose: str, channel: str) -> None:
    contact = crm_contact(splitbrain_story, name)
    send = {"contact_id": contact["id"], "channel": channel, "purpose": purpose_code(purpose)}
    splitbrain_story.act("crm", "POST", "/outreach/send", client="growth", json=send)


# -- the portal (patients) --------------------------------------------------------------------
@when(parsers.re(rf"{NAME} signs up in the portal$"))
def signs_up(splitbrain_story: Story, name: str) -> None:
    who = splitbrain_story.person(name).identity
    account = {
        "given_name": who.given, "family_name": who.family, "birth_date": who.birth_date,
        "email": who.email, "phone": who.phone,
    }  # fmt: skip
    response = splitbrain_story.act("portal", "POST", "/accounts", client="patient", json=account)
    body = splitbrain_story.expect(response, 201)
    splitbrain_story.owns(name, "portal", str(body["id"]))


@given(parsers.re(rf"{NAME} has signed up in the portal$"))
def signs_up_settled(splitbrain_story: Story, name: str) -> None:
    """The same, as something that has happened: the world has caught up with it."""
    signs_up(splitbrain_story, name)
    splitbrain_story.settle()


@when(parsers.re(rf"{NAME} submits her intake in the portal$"))
def submits_intake(splitbrain_story: Story, name: str) -> None:
    account = splitbrain_story.record(name, "portal")
    intake = {"questionnaire": "glp1-intake", "answers": [
        {"link_id": "goal", "value": "weight management"},
        {"link_id": "height_cm", "value": 170},
    ]}  # fmt: skip
    response = splitbrain_story.act(
        "portal", "POST", f"/accounts/{account}/intake", client="patient", json=intake
    )
    body = splitbrain_story.expect(response, 201)
    splitbrain_story.intakes[name] = str(body["id"])


@given(parsers.re(rf"{NAME} has submitted her intake in the portal$"))
def submits_intake_settled(splitbrain_story: Story, name: str) -> None:
    """The same, as something that has happened: the world has caught up with it."""
    submits_intake(splitbrain_story, name)
    splitbrain_story.settle()


@when(parsers.re(rf"{NAME} adds the missing information to her intake in the portal$"))
def amends_intake(splitbrain_story: Story, name: str) -> None:
    submission = splitbrain_story.intakes.get(name)
    assert submission is not None, f"{name} has submitted no intake in this scenario"
    amended = {"questionnaire": "glp1-intake", "answers": [
        {"link_id": "goal", "value": "weight management"},
        {"link_id": "height_cm", "value": 170},
        {"link_id": "current_medications", "value": "none"},
    ]}  # fmt: skip
    response = splitbrain_story.act(
        "portal", "PUT", f"/intake/{submission}", client="patient", json=amended
    )
    splitbrain_story.expect(response, 200)


@when(parsers.re(rf"{NAME} consents to {CONSENT} in the portal$"))
def grants(splitbrain_story: Story, name: str, purpose: str, channel: str) -> None:
    _consent(splitbrain_story, name, "grant", purpose, channel)


@given(parsers.re(rf"{NAME} has consented to {CONSENT} in the portal$"))
def grants_settled(splitbrain_story: Story, name: str, purpose: str, channel: str) -> None:
    """The same, as something that has happened: the world has caught up with it."""
    grants(splitbrain_story, name, purpose, channel)
    splitbrain_story.settle()


@when(parsers.re(rf"{NAME} revokes her consent to {CONSENT} in the portal$"))
def revokes(splitbrain_story: Story, name: str, purpose: str, channel: str) -> None:
    _consent(splitbrain_story, name, "revoke", purpose, channel)


@when(parsers.re(rf'{NAME} changes her (?P<field>[a-z ]+) in the portal to "(?P<value>[^"]*)"$'))
def portal_edit(splitbrain_story: Story, name: str, field: str, value: str) -> None:
    account = splitbrain_story.record(name, "portal")
    response = splitbrain_story.act(
        "portal", "PATCH", f"/accounts/{account}", client="patient",
        json={PORTAL_COLUMNS[field]: value},
    )  # fmt: skip
    splitbrain_story.expect(response, 200)


def _consent(story: Story, name: str, verb: str, purpose: str, channel: str) -> None:
    account = story.record(name, "portal")
    body = {"purpose": purpose_code(purpose), "channel": channel}
    response = story.act(
        "portal", "POST", f"/accounts/{account}/consents/{verb}", client="patient", json=body
    )
    story.expect(response, 200, 201)
