"""The port between the HL7 v2 side and the EHR's patient store.

The MLLP listener applies inbound ADT through ``AdtTarget``; the outbound feed subscribes to its
changes. ``simulators.ehr.store`` implements it; tests use an in-memory fake that subclasses it::

    patient_id, created = target.upsert_patient(patient, process="mllp:LAB")
    target.merge_patients((MRN, "123"), (MRN, "456"), process="mllp:LAB")   # 456 into 123
    target.merge_patient_groups([((MRN, "1"), (MRN, "2")), ((MRN, "3"), (MRN, "4"))],
                                process="mllp:LAB")   # both or neither
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from simulators.ehr.changes import ChangeEvent

__all__ = ["AdtTarget", "ChangeEvent", "Identifier", "MergeGroup"]

Identifier = tuple[str, str]  # (system, value)
MergeGroup = tuple[Identifier, Identifier]  # (survivor, retired)


@runtime_checkable
class AdtTarget(Protocol):
    """What inbound ADT needs from the EHR's patient store."""

    def upsert_patient(self, patient: dict[str, Any], *, process: str) -> tuple[str, bool]:
        """Create or update by ``identifier[0]`` (system + value): (logical id, created)."""
        ...

    def merge_patients(
        self, survivor: tuple[str, str], retired: tuple[str, str], *, process: str
    ) -> str:
        """Merge ``retired`` into ``survivor``; a ``KeyError`` subclass if either is unknown."""
        ...

    def merge_patient_groups(self, groups: Sequence[MergeGroup], *, process: str) -> list[str]:
        """Merge every (survivor, retired) group in order, all or nothing: when one fails,
        none is applied (no change is emitted) and ``MergeGroupFailed`` names the group."""
        ...

    def on_change(self, callback: Callable[[ChangeEvent], None]) -> None:
        """Call ``callback`` after every committed change, in commit order."""
        ...
