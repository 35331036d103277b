"""Writes that race: a case's writes sharing a ``base_version`` all saw the same state, so they
must all land before any sync of the first one reaches the others' systems.

Through live APIs the SUT may carry the first write to the second's system within milliseconds,
and the second would then be refused as stale by that system, not decided by the SUT: the race
the case describes would not happen. While a race plays, every system holds its outgoing
webhooks and Subscription notifications back by a short fixed delay (the simulators' ``delay``
webhook fault, set and cleared through ``/_admin/faults``); the writes themselves are untouched,
and every held delivery is sent afterwards, in full::

    with hold_syncs(run, ["crm", "portal"]):
        ...  # the racing writes
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from splitbrain.harness.catalog import ConflictCase
from splitbrain.harness.live import LiveRun
from splitbrain.harness.runner.errors import CasePlayError

__all__ = ["HOLD_SECONDS", "hold_syncs", "race_bounds"]

HOLD_SECONDS = 0.5
"""How long a delivery leaving a system during a race waits; the racing writes take a few ms."""


def race_bounds(case: ConflictCase) -> tuple[set[str], set[str]]:
    """The ids of the writes that open a race and of those that close one (a race is two or
    more writes sharing a ``base_version``, in timeline order)."""
    members: dict[int, list[str]] = {}
    for write, _, _ in case.timeline():
        if write.base_version is not None:
            members.setdefault(write.base_version, []).append(write.id)
    races = [ids for ids in members.values() if len(ids) > 1]
    return {ids[0] for ids in races}, {ids[-1] for ids in races}


@contextmanager
def hold_syncs(run: LiveRun, systems: Iterable[str]) -> Iterator[None]:
    """Delay every webhook leaving ``systems`` by :data:`HOLD_SECONDS` while the block runs."""
    plan = {"webhooks": [{"kind": "delay", "latency": {"kind": "fixed", "seconds": HOLD_SECONDS}}]}
    held = list(systems)
    for system in held:
        answer = run.client(system, "admin").put(_faults(run, system), json=plan)
        if answer.status_code != 200:
            raise CasePlayError(f"PUT /_admin/faults on {system} answered {answer.status_code}")
    try:
        yield
    finally:
        for system in held:
            run.client(system, "admin").delete(_faults(run, system))


def _faults(run: LiveRun, system: str) -> str:
    """The simulator's fault plan, at its root (the EHR's API lives under ``/fhir``)."""
    return str(run.client(system, "admin").base_url.copy_with(path="/_admin/faults"))
