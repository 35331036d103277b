"""Steps that break the world on purpose, through each simulator's ``/_admin/faults``.

A scenario's fault rules for one system add up into one ``FaultPlan`` (DESIGN §8), replaced
whole on every step; rules aimed at the SUT match its client name (``engine``) or all the
system's webhooks (only the SUT listens to them in a scenario). The "Then" steps here read the
world's history: what the systems saw the SUT try, never the SUT's own account of it.
"""

from __future__ import annotations

import time
from typing import Any, Final

from pytest_bdd import given, parsers, then, when

from splitbrain.harness.steps.story import Story

SYSTEM = r"(?P<system>EHR|CRM|portal)"
_SYSTEMS: Final = {"EHR": "ehr", "CRM": "crm", "portal": "portal"}
_SEED: Final = 17


def add_rule(story: Story, system: str, kind: str, rule: dict[str, Any]) -> None:
    """Add ``rule`` to ``system``'s plan once the world is quiet (so it hits what comes next)."""
    story.settle()
    plan = story.faults.setdefault(system, {"seed": _SEED, "requests": [], "webhooks": []})
    plan[kind].append(rule)
    _put(story, system, plan)


def _put(story: Story, system: str, plan: dict[str, Any]) -> None:
    url = f"{story.root(system)}/_admin/faults"
    response = story.run.call(system, "PUT", url, client="admin", json=plan)
    story.expect(response, 200)


def _sut_fails(story: Story, status: int, times: int | None) -> dict[str, Any]:
    return {"kind": "error", "status": status, "client": story.sut_client, "times": times}


@given(parsers.re(rf"the {SYSTEM} answers the engine's next request with (?P<status>5\d\d)$"))
def next_request_fails(splitbrain_story: Story, system: str, status: str) -> None:
    add_rule(
        splitbrain_story, _SYSTEMS[system], "requests", _sut_fails(splitbrain_story, int(status), 1)
    )


@given(parsers.re(rf"the {SYSTEM} is down for the engine$"))
@when(parsers.re(rf"the {SYSTEM} goes down for the engine$"))
def down(splitbrain_story: Story, system: str) -> None:
    add_rule(
        splitbrain_story, _SYSTEMS[system], "requests", _sut_fails(splitbrain_story, 503, None)
    )


@when(parsers.re(rf"the {SYSTEM} comes back after (?P<seconds>[0-9.]+) seconds?$"))
def comes_back(splitbrain_story: Story, system: str, seconds: str) -> None:
    time.sleep(float(seconds))
    key = _SYSTEMS[system]
    plan = splitbrain_story.faults.get(key)
    if plan is not None:
        plan["requests"] = [r for r in plan["requests"] if r.get("times") is not None]
        _put(splitbrain_story, key, plan)


@given(
    parsers.re(rf"the {SYSTEM}'s next change event to the engine is (?P<kind>dropped|duplicated)$")
)
def next_webhook(splitbrain_story: Story, system: str, kind: str) -> None:
    rule = {"kind": "drop" if kind == "dropped" else "duplicate", "times": 1}
    add_rule(splitbrain_story, _SYSTEMS[system], "webhooks", rule)


@given(
    parsers.re(rf"the {SYSTEM}'s change events reach the engine (?P<seconds>[0-9.]+) seconds late$")
)
def late_webhooks(splitbrain_story: Story, system: str, seconds: str) -> None:
    rule = {"kind": "delay", "latency": {"kind": "fixed", "seconds": float(seconds)}}
    add_rule(splitbrain_story, _SYSTEMS[system], "webhooks", rule)


@then(
    parsers.re(
        rf"the {SYSTEM} refused (?P<count>\d+) of the engine's requests with (?P<status>\d+)$"
    )
)
def refused_count(splitbrain_story: Story, system: str, count: str, status: str) -> None:
    seen = _sut_ops(splitbrain_story, _SYSTEMS[system], outcome=f"fault:{status}")
    assert len(seen) == int(count), f"the {system} refused {len(seen)} engine request(s)"


@then(parsers.re(rf"the {SYSTEM} refused at least one engine write as stale$"))
def refused_stale(splitbrain_story: Story, system: str) -> None:
    seen = _sut_ops(splitbrain_story, _SYSTEMS[system], outcome="stale_version")
    assert seen, f"the {system} refused no engine write with 412; the race was not reached"


@then(parsers.re(rf"the {SYSTEM} delivered (?P<count>\d+) change events? to the engine twice$"))
def duplicated(splitbrain_story: Story, system: str, count: str) -> None:
    fired = _fired(splitbrain_story, _SYSTEMS[system])
    assert sum(fired["webhooks"]) == int(count), f"duplicate rules fired {fired['webhooks']}"


@then(parsers.re(rf"the {SYSTEM} dropped (?P<count>\d+) change events? to the engine$"))
def dropped(splitbrain_story: Story, system: str, count: str) -> None:
    ops = splitbrain_story.histories()[_SYSTEMS[system]]
    lost = [op for op in ops if op.get("f") == "notify" and op.get("outcome") == "fault:dropped"]
    assert len(lost) == int(count), f"the {system} dropped {len(lost)} change event(s)"


def _fired(story: Story, system: str) -> dict[str, list[int]]:
    url = f"{story.root(system)}/_admin/faults/fired"
    return dict(story.expect(story.run.call(system, "GET", url, client="admin"), 200))


def _sut_ops(story: Story, system: str, *, outcome: str) -> list[dict[str, Any]]:
    ops = story.histories()[system]
    sut = story.sut_client
    return [op for op in ops if op.get("process") == sut and op.get("outcome") == outcome]
