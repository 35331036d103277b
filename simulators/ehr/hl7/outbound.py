"""Which ADT messages a store change calls for (the feed's planning step, pure and testable).

create -> A04, update -> A08, merge -> A40. The store reports a merge as ``kind="merge"`` for
the retired Patient (its ``link`` says ``replaced-by`` the survivor) and ``kind="update"`` for
the survivor, in either order. The A40 needs the survivor's identifiers, so the planner keeps
the last Patient it saw per id; a merge whose survivor it has not seen yet waits for the
survivor's own event and is sent just before it::

    planner = OutboundPlanner()
    planner.plan(ChangeEvent("Patient", "p1", "1", patient, "create"))   # [Outbound("A04", ...)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from simulators.ehr.hl7.target import ChangeEvent

EVENTS: Final = {"create": "A04", "update": "A08"}


@dataclass(frozen=True)
class Outbound:
    """One message to send: ``patient`` goes in PID; ``retired`` in MRG (A40 only)."""

    event: str
    patient_id: str
    patient: Mapping[str, Any]
    retired: Mapping[str, Any] | None = None


class OutboundPlanner:
    """Turns ``ChangeEvent``s into ``Outbound`` messages, remembering patients for merges."""

    def __init__(self) -> None:
        self._patients: dict[str, Mapping[str, Any]] = {}
        self._waiting: dict[str, list[Mapping[str, Any]]] = {}
        self.skipped = 0

    def plan(self, change: ChangeEvent) -> list[Outbound]:
        if change.resource_type != "Patient":
            return []
        resource = change.resource
        self._patients[change.id] = resource
        if change.kind == "delete" or not resource.get("identifier"):
            self.skipped += 1
            return []
        if change.kind == "merge":
            return self._merge(change.id, resource)
        messages = [
            Outbound("A40", change.id, resource, retired)
            for retired in self._waiting.pop(change.id, [])
        ]
        messages.append(Outbound(EVENTS[change.kind], change.id, resource))
        return messages

    def _merge(self, retired_id: str, retired: Mapping[str, Any]) -> list[Outbound]:
        survivor_id = _replaced_by(retired)
        if survivor_id is None:
            self.skipped += 1
            return []
        survivor = self._patients.get(survivor_id)
        if survivor is None or not survivor.get("identifier"):
            self._waiting.setdefault(survivor_id, []).append(retired)
            return []
        return [Outbound("A40", survivor_id, survivor, retired)]


def _replaced_by(patient: Mapping[str, Any]) -> str | None:
    for link in patient.get("link", ()):
        reference = str(link.get("other", {}).get("reference", ""))
        if link.get("type") == "replaced-by" and reference.startswith("Patient/"):
            return reference.removeprefix("Patient/").split("/", 1)[0]
    return None
