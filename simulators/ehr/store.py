"""The EHR's patient store: FHIR resources with versions, served to FHIR and HL7 v2 alike.

Every operation goes through a ``Session`` (``with store.session(ctx) as s: s.create(...)``),
which holds the store's lock, records each operation in the history, rolls back on error and
emits ``ChangeEvent``s to listeners after commit. The HL7 v2 side uses the ``AdtTarget``
methods (``upsert_patient``, ``merge_patients``, ``merge_patient_groups``, ``on_change``)::

    store = FhirStore(History(clock, system="ehr"), clock)
    patient_id, created = store.upsert_patient(patient_json, process="mllp:lab")
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from simulators._shared.clock import Clock
from simulators._shared.errors import SimulatorError
from simulators._shared.history import History, OpContext
from simulators.ehr.changes import ChangeEvent
from simulators.ehr.errors import FhirBadRequest, FhirInvalid, UnknownIdentifier
from simulators.ehr.hl7.errors import MergeGroupFailed
from simulators.ehr.hl7.target import AdtTarget, MergeGroup
from simulators.ehr.resources import require_type, validate
from simulators.ehr.session import Session
from simulators.ehr.versions import ResourceTable, Version, id_order

ChangeListener = Callable[[ChangeEvent], None]
Normalizer = Callable[[Mapping[str, Any]], None]


class FhirStore(AdtTarget):
    """In-memory FHIR resources; thread-safe; one instance per app (no module globals).

    Implements the HL7 v2 side's ``AdtTarget`` port (``simulators.ehr.hl7.target``).
    """

    def __init__(self, history: History, clock: Clock, *, validation: bool = True) -> None:
        self.history = history
        self.clock = clock
        self.validation = validation
        self._table = ResourceTable()
        self._lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self._rules: dict[str, list[Normalizer]] = {}
        self._reset_hooks: list[Callable[[], None]] = []

    # -- sessions and listeners ---------------------------------------------------------------

    @contextmanager
    def session(self, ctx: OpContext | str) -> Iterator[Session]:
        """One atomic unit of work; changes are emitted after it commits."""
        context = ctx if isinstance(ctx, OpContext) else OpContext(process=ctx)
        with self._lock:
            session = Session(self._table, self.history, self.clock, context, self._check)
            try:
                yield session
            except BaseException as exc:
                session.rollback(exc)
                raise
            session.commit()
        for change in session.changes:
            for listener in tuple(self._listeners):
                listener(change)

    def on_change(self, callback: ChangeListener) -> None:
        """Call ``callback(ChangeEvent)`` after every committed change, in commit order."""
        self._listeners.append(callback)

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every admin reset (listeners drop derived state)."""
        self._reset_hooks.append(callback)

    def add_rule(self, resource_type: str, rule: Normalizer) -> None:
        """A business rule run after validation on every write of ``resource_type``."""
        self._rules.setdefault(resource_type, []).append(rule)

    def live(self, resource_type: str) -> list[Version]:
        with self._lock:
            return list(self._table.live(resource_type))

    def count(self, resource_type: str) -> int:
        with self._lock:
            return self._table.count(resource_type)

    # -- AdtTarget (HL7 v2 side) --------------------------------------------------------------

    def upsert_patient(self, patient: dict[str, Any], *, process: str) -> tuple[str, bool]:
        """Create or update the Patient matched by ``identifier[0]`` (system + value)."""
        system, value = _first_identifier(patient)
        with self.session(process) as session:
            matches = self._patients_with(system, value)
            if not matches:
                version, _ = session.create("Patient", patient)
                return version.id, True
            if len(matches) > 1:
                found = ", ".join(v.reference for v in matches)
                raise FhirInvalid(f"identifier[0] of the Patient matches several: {found}")
            current = matches[0]
            body = {**patient, "id": current.id}
            if "link" not in body and current.resource and "link" in current.resource:
                body["link"] = current.resource["link"]
            session.update("Patient", current.id, body)
            return current.id, False

    def merge_patients(
        self, survivor: tuple[str, str], retired: tuple[str, str], *, process: str
    ) -> str:
        """Merge by identifiers (system, value); returns the survivor's id."""
        with self.session(process) as session:
            keep = self._one_patient(survivor, "survivor")
            drop = self._one_patient(retired, "retired")
            return self._merge(session, keep.id, drop.id)

    def merge_patient_groups(self, groups: Sequence[MergeGroup], *, process: str) -> list[str]:
        """Merge every group in one session: a failing group rolls back the groups before it."""
        survivors: list[str] = []
        with self.session(process) as session:
            for number, (survivor, retired) in enumerate(groups, start=1):
                try:
                    keep = self._one_patient(survivor, "survivor")
                    drop = self._one_patient(retired, "retired")
                    survivors.append(self._merge(session, keep.id, drop.id))
                except SimulatorError as exc:
                    raise MergeGroupFailed(number, exc) from exc
        return survivors

    def merge(self, survivor_id: str, retired_id: str, *, ctx: OpContext | str) -> str:
        """Merge by logical ids: ``retired`` becomes inactive and replaced-by ``survivor``."""
        with self.session(ctx) as session:
            return self._merge(session, survivor_id, retired_id)

    def _merge(self, session: Session, survivor_id: str, retired_id: str) -> str:
        op = session.invoke("merge", f"Patient/{retired_id}")
        if survivor_id == retired_id:
            raise FhirBadRequest(f"cannot merge Patient/{survivor_id} into itself")
        keep = session.read("Patient", survivor_id)
        drop = session.read("Patient", retired_id)
        replaced_by = _link(survivor_id, "replaced-by")
        replaces = _link(retired_id, "replaces")
        retired = session.put_link(drop, _with(drop, replaced_by), active=False, kind="merge")
        session.put_link(keep, _with(keep, replaces), active=None, kind="update")
        session.done(
            op, new_version=retired.version_id, outcome=f"merged_into:Patient/{survivor_id}"
        )
        return survivor_id

    def _patients_with(self, system: str, value: str) -> list[Version]:
        ids = self._table.with_identifier("Patient", system, value)
        found = (self._table.current("Patient", i) for i in sorted(ids, key=id_order))
        return [v for v in found if v is not None and not v.deleted]

    def _one_patient(self, identifier: tuple[str, str], role: str) -> Version:
        matches = self._patients_with(*identifier)
        if len(matches) != 1:
            raise UnknownIdentifier(
                f"the {role} identifier (system {identifier[0]!r}) matches {len(matches)} "
                "patients; a merge needs exactly one on each side"
            )
        return matches[0]

    # -- admin --------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._table.clear()
        for hook in tuple(self._reset_hooks):
            hook()

    def seed(self, records: list[dict[str, Any]], *, process: str) -> Mapping[str, Any]:
        """Load resources (or Bundles of them); a resource with an id keeps it."""
        counts: Counter[str] = Counter()
        with self.session(process) as session:
            for resource in _flatten(records):
                resource_type = str(resource.get("resourceType"))
                require_type(resource_type)
                if "id" in resource:
                    session.update(resource_type, str(resource["id"]), resource)
                else:
                    session.create(resource_type, resource)
                counts[resource_type] += 1
        return {"seeded": sum(counts.values()), "by_type": dict(counts)}

    def _check(self, resource_type: str, body: Mapping[str, Any]) -> None:
        require_type(resource_type)
        if self.validation:
            validate(resource_type, body)
        for rule in self._rules.get(resource_type, ()):
            rule(body)


def _first_identifier(patient: Mapping[str, Any]) -> tuple[str, str]:
    identifiers = patient.get("identifier")
    first = identifiers[0] if isinstance(identifiers, list) and identifiers else None
    if not isinstance(first, dict) or not first.get("system") or not first.get("value"):
        raise FhirInvalid.at(
            "Patient.identifier[0]",
            "Patient.identifier[0] needs system and value: the HL7 side matches patients by it",
            code="required",
        )
    return str(first["system"]), str(first["value"])


def _link(patient_id: str, link_type: str) -> dict[str, Any]:
    return {"other": {"reference": f"Patient/{patient_id}"}, "type": link_type}


def _with(version: Version, link: dict[str, Any]) -> list[dict[str, Any]]:
    links = list((version.resource or {}).get("link", []))
    return links if link in links else [*links, link]


def _flatten(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for record in records:
        if record.get("resourceType") == "Bundle":
            yield from (e["resource"] for e in record.get("entry", []) if "resource" in e)
        else:
            yield record
