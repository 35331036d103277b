"""The world-level Gherkin step library: features that run against any sync engine.

Steps act on the simulators as people do (a patient in the portal, growth ops in the CRM, a
provider in the EHR), break the world through ``/_admin/faults``, read what each system holds
after quiescence and end with the checker's verdict. They need one fixture from the caller:

``splitbrain_run``
    a LiveRun-like session (``call``, ``quiesce``, ``histories``, ``addresses``; see
    ``story.Session``) over a world whose key ring holds the clients in ``story.CLIENTS``.

and provide ``splitbrain_story`` (the scenario's state). Bind features in a test module, or
load the library as a pytest plugin::

    from pytest_bdd import scenarios
    from splitbrain.harness.steps import *  # noqa: F403  (the step fixtures)

    @pytest.fixture
    def splitbrain_run(...) -> LiveRun: ...

    scenarios("workflows")

A "Given" is something that has happened: its step waits until the world has caught up. A
"When" acts and goes on, so several "When" steps race as people do; "the engine has caught up"
waits explicitly. The vocabulary (people: Ana, Bea, Cy; systems: EHR, CRM, portal):

- people (``people.py``): "Ana is a lead in the CRM", "Ana signs up in the portal", "Ana
  submits her intake in the portal", "Ana consents to marketing by sms in the portal", "Ana
  revokes her consent to ...", "growth ops changes Ana's phone in the CRM to "..."", "the CRM
  sends Ana a marketing message by sms";
- the clinic (``clinic.py``): "the EHR registers Ana", "the EHR corrects Ana's date of birth to
  "..."", "a provider is assigned to Ana", "the provider signs Ana's visit note", "the provider
  records the decision "approved" for Ana", "the provider prescribes "..." for Ana";
- faults (``faults.py``): "the CRM answers the engine's next request with 503", "the CRM is
  down for the engine" / "comes back after 0.5 seconds", "the portal's next change event to the
  engine is dropped|duplicated", "the CRM's change events reach the engine 2 seconds late";
- HL7 v2 (``hl7.py``): "the registration desk sends Ana's registration to the EHR over ADT",
  "the EHR's next ADT message to the engine loses its ACK", "the EHR sent the engine 1 ADT
  message twice, as the same message", "the CRM holds one contact for Ana's EHR chart", "the
  engine created 1 contact in the CRM";
- observing (``observe.py``): "Ana's CRM record shows her date of birth as "..."", "Ana's portal
  status is "..."", "the CRM's care_coordinator queue has a task "..." for Ana";
- judging (``verdict.py``): "the engine has caught up", "the engine reconciles with the
  systems' change feeds", "the checker finds no anomaly", "the checker names divergence", "the
  engine dead-lettered 1 event and opened 1 incident".
"""

from __future__ import annotations

import pytest

from splitbrain.harness.steps import clinic, faults, hl7, observe, people, verdict
from splitbrain.harness.steps.story import CLIENTS, PEOPLE, Session, Story


@pytest.fixture
def splitbrain_story(splitbrain_run: Session) -> Story:
    """The scenario's state over the caller's ``splitbrain_run`` session."""
    return Story(splitbrain_run)


STEP_MODULES = (clinic, faults, hl7, observe, people, verdict)
_STEPS = {
    name: value
    for module in STEP_MODULES
    for name, value in vars(module).items()
    if name.startswith("pytestbdd_")
}
globals().update(_STEPS)  # pytest-bdd finds steps as fixtures of the importing module
__all__ = ["CLIENTS", "PEOPLE", "STEP_MODULES", "Session", "Story", "splitbrain_story"]
__all__.extend(sorted(_STEPS))  # the step fixtures, so ``import *`` hands them over
