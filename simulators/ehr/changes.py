"""What the EHR's store tells its listeners after each committed change.

Listeners (``FhirStore.on_change``): the FHIR Subscription notifier and the HL7 v2 outbound ADT
feed. They run after the change is committed, in commit order, never inside a rolled-back
transaction. A merge emits ``kind="merge"`` for the retired Patient (its ``link`` names the
survivor with ``replaced-by``) and ``kind="update"`` for the survivor. A delete carries the last
live content of the resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["create", "update", "delete", "merge"]


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One committed change: ``version`` is the new ``meta.versionId``."""

    resource_type: str
    id: str
    version: str
    resource: dict[str, Any]
    kind: ChangeKind
