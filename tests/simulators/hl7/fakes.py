"""An in-memory ``AdtTarget`` for the HL7 tests: the store's matching and change events, no FHIR.

It mirrors ``simulators.ehr.store.FhirStore``'s contract: upsert matches ``identifier[0]``
(system + value), a merge of an unknown identifier raises a ``KeyError`` subclass, and a merge
emits ``merge`` for the retired patient (``link`` replaced-by the survivor) then ``update`` for
the survivor; several groups merge all or nothing (``MergeGroupFailed`` names the failing group
and no change is emitted). ``fail_with`` makes the next call raise, to prove the listener
survives its store.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from simulators.ehr.hl7.errors import MergeGroupFailed
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent, MergeGroup


class UnknownIdentifierError(KeyError):
    """No patient holds the (system, value) identifier."""


class FakeAdtTarget(AdtTarget):
    def __init__(self) -> None:
        self.patients: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail_with: BaseException | None = None
        self._listeners: list[Callable[[ChangeEvent], None]] = []

    def upsert_patient(self, patient: dict[str, Any], *, process: str) -> tuple[str, bool]:
        self._maybe_fail()
        self.calls.append(("upsert", process))
        first = patient["identifier"][0]
        existing = self.find(first["system"], first["value"])
        if existing is None:
            patient_id = f"p{len(self.patients) + 1}"
            self._put(patient_id, patient, "create")
            return patient_id, True
        self._put(existing, patient, "update")
        return existing, False

    def merge_patients(
        self, survivor: tuple[str, str], retired: tuple[str, str], *, process: str
    ) -> str:
        self._maybe_fail()
        self.calls.append(("merge", process))
        return self._merge(survivor, retired)

    def merge_patient_groups(self, groups: Sequence[MergeGroup], *, process: str) -> list[str]:
        self._maybe_fail()
        self.calls.append(("merge", process))
        before = copy.deepcopy((self.patients, self.versions))
        listeners, held = self._listeners, list[ChangeEvent]()
        self._listeners = [held.append]  # changes are emitted only when every group applied
        try:
            survivors = [self._group(number, group) for number, group in enumerate(groups, 1)]
        except MergeGroupFailed:
            self.patients, self.versions = before
            raise
        finally:
            self._listeners = listeners
        for event in held:
            for listener in tuple(listeners):
                listener(event)
        return survivors

    def _group(self, number: int, group: MergeGroup) -> str:
        try:
            return self._merge(*group)
        except KeyError as exc:
            raise MergeGroupFailed(number, exc) from exc

    def _merge(self, survivor: tuple[str, str], retired: tuple[str, str]) -> str:
        keep, drop = self.find(*survivor), self.find(*retired)
        if keep is None or drop is None:
            raise UnknownIdentifierError("a merge identifier matches no patient")
        link = {"other": {"reference": f"Patient/{keep}"}, "type": "replaced-by"}
        self._put(drop, {**self.patients[drop], "active": False, "link": [link]}, "merge")
        back = {"other": {"reference": f"Patient/{drop}"}, "type": "replaces"}
        self._put(keep, {**self.patients[keep], "link": [back]}, "update")
        return keep

    def on_change(self, callback: Callable[[ChangeEvent], None]) -> None:
        self._listeners.append(callback)

    def find(self, system: str, value: str) -> str | None:
        for patient_id, patient in self.patients.items():
            first = patient["identifier"][0]
            if (first["system"], first["value"]) == (system, value) and patient.get("active", 1):
                return patient_id
        return None

    def _put(self, patient_id: str, patient: dict[str, Any], kind: Any) -> None:
        stored = {**copy.deepcopy(patient), "id": patient_id}
        self.patients[patient_id] = stored
        self.versions[patient_id] = self.versions.get(patient_id, 0) + 1
        event = ChangeEvent("Patient", patient_id, str(self.versions[patient_id]), stored, kind)
        for listener in tuple(self._listeners):
            listener(event)

    def _maybe_fail(self) -> None:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
