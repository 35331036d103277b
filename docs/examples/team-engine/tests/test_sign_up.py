"""Bind our features to splitbrain's step library, and add one step of our own.

The plugin loads the library when a SUT is named (pytest.ini: ``splitbrain_sut``); our own
steps use the same fixtures (``splitbrain_story``: the scenario's state over the running world).
"""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then

from splitbrain.harness.steps.story import Story

scenarios("sign_up.feature", "consent.feature")


@then(parsers.parse("the CRM contact for {name} carries a token, not her chart id"))
def contact_is_tokenized(splitbrain_story: Story, name: str) -> None:
    email = splitbrain_story.person(name).identity.email
    found = splitbrain_story.read("crm", "/contacts", email=email)
    (contact,) = found["items"]
    assert str(contact["patient_ref"]).startswith("tok_"), contact["patient_ref"]
