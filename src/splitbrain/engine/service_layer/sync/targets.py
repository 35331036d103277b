"""The outbound side's port: deliver one planned effect to its target system.

An effect's body is a small JSON instruction in the matrix's vocabulary (``op`` plus canonical
fields); the target adapter (``adapters.sync_targets``) turns it into the system's own request
(CRM merge-patch, portal PATCH, FHIR read-modify-write), sends it with the effect's
``Idempotency-Key`` and an ``If-Match`` of the record version the engine last saw, and reports
what happened. Ops:

- ``update``: ``{"op": "update", "person", "subject", "fields": {matrix field: value}}``
- ``consent``: ``{"op": "consent", "person", "purpose", "channel", "allowed"}``
- ``task``: ``{"op": "task", "person", "queue", "subject", "kind", "reference", "sla_minutes"}``
- ``status``: ``{"op": "status", "person", "status"}`` (the portal's patient-visible status)
- ``workflow``: ``{"op": "workflow", "person", "state", "reference"}`` (the CRM's case status)
- ``link``: ``{"op": "link", "survivor", "retired"}`` (a merge carried to the system)
- ``merge``: ``{"op": "merge", "person", "survivor", "retired"}`` (two records of one person in
  the system: the EHR's Patient merge, or a CRM contact merged into the one the engine made)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from splitbrain.engine.service_layer.sync.model import OutboxEffect


class Outcome(enum.StrEnum):
    DONE = "done"
    """2xx, or an idempotent replay of an earlier 2xx."""
    RETRY = "retry"
    """429, 5xx, a timeout or a dropped connection: try again later (honor ``retry_after``)."""
    STALE = "stale"
    """412: the record changed since the engine read it; re-read, re-decide, retry."""
    SKIPPED = "skipped"
    """Nothing to do: the target holds no record for the person and this op does not create one."""
    REFUSED = "refused"
    """A 4xx that a retry cannot fix (validation, forbidden): dead-letter it."""


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: Outcome
    status: int | None
    detail: str
    """Ids, codes and field names only."""
    retry_after: float | None = None
    record: str | None = None
    version: str | None = None


class TargetClient(Protocol):
    def deliver(self, effect: OutboxEffect) -> Delivery:
        """Send ``effect`` once; never raises for what the target or the network answered."""
        ...

    def reread(self, effect: OutboxEffect) -> Delivery:
        """Read the effect's target record again (after a 412) and remember its version."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
