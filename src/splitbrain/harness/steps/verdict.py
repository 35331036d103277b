"""Steps that judge the run: the checker's verdict, and what the engine says of its own queues.

"Then the checker finds no anomaly" ends every scenario that should be clean; it also insists
that the codes needing the ground truth were judged (the steps build the truth as actors make
records). Engine-internal facts (dead letters, incidents) are read from the SUT's HTTP
``/status``, never from its objects; a SUT without one skips those steps, saying so.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from splitbrain.harness.checker import AnomalyCode, render_text
from splitbrain.harness.steps.story import Story

NEEDS_TRUTH: Final = frozenset({
    AnomalyCode.DUPLICATE_PERSON, AnomalyCode.DIVERGENCE,
    AnomalyCode.MESSAGE_AFTER_REVOCATION, AnomalyCode.PHI_LEAK,
})  # fmt: skip


@given("the engine listens to the EHR, the CRM and the portal")
def listens(splitbrain_story: Story) -> None:
    for system in ("crm", "portal"):
        url = f"{splitbrain_story.root(system)}/_admin/webhooks"
        hooks = splitbrain_story.expect(splitbrain_story.run.call(system, "GET", url,
                                                                  client="admin"), 200)  # fmt: skip
        assert hooks["endpoints"], f"nobody registered a webhook receiver with the {system}"
    found = splitbrain_story.read("ehr", "/Subscription")
    assert found.get("total") or found.get("entry"), "nobody subscribed to the EHR's changes"


@when("the engine has caught up")
def caught_up(splitbrain_story: Story) -> None:
    """Wait for quiescence: nothing pending in the world or (if it says) the engine."""
    splitbrain_story.settle()


@when("the engine reconciles with the systems' change feeds")
def reconciles(splitbrain_story: Story) -> None:
    """Ask the SUT to read the systems' change feeds now (``POST {sut}/reconcile``), once the
    world is quiet, so it receives what a dropped change event withheld. A SUT without that door
    skips the scenario, saying so (one that reconciles on its own timer needs no step)."""
    splitbrain_story.settle()
    base = sut_base(splitbrain_story)
    if base is None:
        pytest.skip("the session names no SUT address; this step posts to its /reconcile")
    response = httpx.post(f"{base}/reconcile", timeout=30.0)
    if response.status_code in (404, 405):
        pytest.skip(f"the SUT at {base} has no POST /reconcile; it cannot be asked to reconcile")
    assert response.status_code == 200, f"{base}/reconcile answered {response.status_code}"
    splitbrain_story.unsettled = True


@then("the checker finds no anomaly")
def clean(splitbrain_story: Story) -> None:
    verdict = splitbrain_story.verdict()
    assert verdict.ok, render_text(verdict)
    unjudged = NEEDS_TRUTH & set(verdict.skipped)
    assert not unjudged, f"the checker could not judge {sorted(unjudged)}: {verdict.skipped}"


@then(parsers.re(r"the checker names (?P<code>[a-z_]+)(?: and nothing else)?$"))
def names(splitbrain_story: Story, code: str) -> None:
    verdict = splitbrain_story.verdict()
    wanted = AnomalyCode(code)
    assert wanted in verdict.codes(), render_text(verdict)
    assert verdict.codes() == {wanted}, render_text(verdict)


@then(
    parsers.re(
        r"the engine dead-lettered (?P<events>\d+) events? "
        r"and opened (?P<incidents>\d+) incidents?$"
    )
)
def dead_letters(splitbrain_story: Story, events: str, incidents: str) -> None:
    status = _status(splitbrain_story)
    dead = int((status.get("inbox") or {}).get("dead_lettered", 0))
    dead += int((status.get("outbox") or {}).get("dead_lettered", 0))
    assert (dead, int(status.get("open_incidents", 0))) == (int(events), int(incidents)), status


@then("every event the engine received reached a terminal state")
def all_terminal(splitbrain_story: Story) -> None:
    status = _status(splitbrain_story)
    for queue in ("inbox", "outbox"):
        depths = status.get(queue) or {}
        waiting = int(depths.get("pending", 0)) + int(depths.get("claimed", 0))
        assert waiting == 0, f"{waiting} {queue} item(s) not terminal: {status}"


def sut_base(story: Story) -> str | None:
    """The SUT's base URL, when the session knows it (``engine_url``, or ``addresses["sut"]``)."""
    url = getattr(story.run, "engine_url", None) or story.run.addresses.get("sut")
    return str(url) if url else None


def _status(story: Story) -> dict[str, Any]:
    story.settle()
    base = sut_base(story)
    if base is None:
        pytest.skip("the session names no SUT address; this step reads the SUT's /status")
    response = httpx.get(f"{base}/status", timeout=5.0)
    if response.status_code == 404:
        pytest.skip(f"the SUT at {base} has no /status; this step reads its queues there")
    body = response.json()
    assert isinstance(body, dict), f"{base}/status answered a {type(body).__name__}"
    return body
