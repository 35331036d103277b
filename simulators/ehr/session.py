"""A unit of work on the FHIR store: every operation of one request (or one transaction Bundle).

A session holds the store's lock from start to end, so a conditional create's search and create
are one atomic step, and a transaction is all-or-nothing: if any operation raises, every write of
the session is undone, every history operation of the session completes as ``fail`` and no
change event is emitted. Otherwise the operations complete ``ok`` and the changes are emitted in
order after the lock is released (``FhirStore.session``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from simulators._shared.clock import Clock
from simulators._shared.errors import SimulatorError
from simulators._shared.history import History, OpContext
from simulators.ehr.changes import ChangeEvent, ChangeKind
from simulators.ehr.errors import (
    FhirBadRequest,
    MultipleMatches,
    ResourceGone,
    ResourceNotFound,
    VersionConflict,
)
from simulators.ehr.resources import require_type
from simulators.ehr.search import SearchQuery, parse_query, run
from simulators.ehr.versions import ResourceTable, Version

Pairs = Sequence[tuple[str, str]]
Check = Callable[[str, Mapping[str, Any]], None]


class Session:
    """Operations inside one lock; use it through ``FhirStore.session(ctx)``."""

    def __init__(
        self, table: ResourceTable, history: History, clock: Clock, ctx: OpContext, check: Check
    ) -> None:
        self._table = table
        self._history = history
        self._clock = clock
        self.ctx = ctx
        self._check = check
        self._ops: dict[int, dict[str, Any] | None] = {}
        self._undo: list[tuple[str, str]] = []
        self.changes: list[ChangeEvent] = []

    # -- reads -------------------------------------------------------------------------------

    def read(self, resource_type: str, resource_id: str) -> Version:
        op = self._invoke("read", f"{resource_type}/{resource_id}")
        current = self._live(resource_type, resource_id)
        self._done(op, new_version=current.version_id, fields=current.resource)
        return current

    def vread(self, resource_type: str, resource_id: str, version_id: str) -> Version:
        op = self._invoke("read", f"{resource_type}/{resource_id}", base_version=version_id)
        self._known(resource_type, resource_id)
        found = [
            v
            for v in self._table.versions(resource_type, resource_id)
            if v.version_id == version_id
        ]
        if not found:
            raise ResourceNotFound(f"{resource_type}/{resource_id} has no version {version_id!r}")
        if found[0].deleted:
            raise ResourceGone(f"version {version_id} of {resource_type}/{resource_id} is a delete")
        self._done(op, new_version=version_id, fields=found[0].resource)
        return found[0]

    def search(self, query: SearchQuery) -> list[Version]:
        op = self._invoke("search", query.key)
        found = run(query, self._table)
        self._done(op, outcome=f"matches:{len(found)}")
        return found

    def history(self, resource_type: str, resource_id: str | None = None) -> list[Version]:
        """Versions newest first: of one resource, or of the whole type."""
        key = resource_type if resource_id is None else f"{resource_type}/{resource_id}"
        op = self._invoke("history", key)
        if resource_id is None:
            versions = self._table.type_log(resource_type)
        else:
            self._known(resource_type, resource_id)
            versions = self._table.versions(resource_type, resource_id)
        self._done(op, outcome=f"versions:{len(versions)}")
        return versions[::-1]

    # -- writes ------------------------------------------------------------------------------

    def create(
        self,
        resource_type: str,
        body: Mapping[str, Any],
        *,
        if_none_exist: Pairs | None = None,
        resource_id: str | None = None,
    ) -> tuple[Version, bool]:
        """Create; with ``if_none_exist`` criteria, return the one match instead (created False).

        ``resource_id`` is an id reserved earlier with ``reserve_id`` (transaction Bundles).
        """
        self._check(resource_type, body)
        op = self._invoke("create", resource_type)
        if if_none_exist:
            found = self.find(resource_type, if_none_exist)
            if len(found) > 1:
                raise MultipleMatches(
                    f"If-None-Exist criteria on {resource_type} matched {len(found)} resources; "
                    "make the criteria identify one resource (e.g. identifier=system|value)"
                )
            if found:
                self._done(op, key=found[0].reference, outcome="exists")
                return found[0], False
        new_id = resource_id or self._table.next_id(resource_type)
        version = self._write(resource_type, new_id, body, "POST")
        self._done(
            op, key=version.reference, new_version=version.version_id, fields=version.resource
        )
        return version, True

    def update(
        self,
        resource_type: str,
        resource_id: str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
    ) -> tuple[Version, bool]:
        """Update (or create with this id); ``if_match`` (an ETag) must name the current version."""
        self._check(resource_type, body)
        if body.get("id") != resource_id:
            raise FhirBadRequest(
                f"update of {resource_type}/{resource_id}: the body's id must equal the URL id"
            )
        expected = _etag_version(if_match)
        op = self._invoke("write", f"{resource_type}/{resource_id}", base_version=expected)
        current = self._table.current(resource_type, resource_id)
        self._match(resource_type, resource_id, current, expected)
        version = self._write(resource_type, resource_id, body, "PUT")
        self._done(op, new_version=version.version_id, fields=version.resource)
        return version, current is None or current.deleted

    def conditional_update(
        self,
        resource_type: str,
        criteria: Pairs,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
    ) -> tuple[Version, bool]:
        found = self.find(resource_type, criteria)
        if len(found) > 1:
            raise MultipleMatches(
                f"conditional update criteria on {resource_type} matched {len(found)} resources"
            )
        if not found:
            if "id" in body:
                return self.update(resource_type, str(body["id"]), body, if_match=if_match)
            return self.create(resource_type, body)
        if body.get("id", found[0].id) != found[0].id:
            raise FhirBadRequest(
                f"conditional update matched {found[0].reference} but the body names another id"
            )
        return self.update(
            resource_type, found[0].id, {**body, "id": found[0].id}, if_match=if_match
        )

    def delete(self, resource_type: str, resource_id: str, *, if_match: str | None = None) -> None:
        expected = _etag_version(if_match)
        op = self._invoke("delete", f"{resource_type}/{resource_id}", base_version=expected)
        current = self._known(resource_type, resource_id)
        self._match(resource_type, resource_id, current, expected)
        if current.deleted:
            self._done(op, outcome="already_deleted")
            return
        version = self._write(resource_type, resource_id, None, "DELETE")
        self._done(op, new_version=version.version_id)

    def put_link(
        self,
        patient: Version,
        links: list[dict[str, Any]],
        *,
        active: bool | None,
        kind: ChangeKind,
    ) -> Version:
        """A server-made Patient version with ``links`` (and ``active``), for merges."""
        body = dict(patient.resource or {})
        body["link"] = links
        if active is not None:
            body["active"] = active
        return self._write("Patient", patient.id, body, "PUT", kind=kind)

    def find(self, resource_type: str, criteria: Pairs) -> list[Version]:
        """Live resources matching ``criteria``, without a history record (internal lookups)."""
        require_type(resource_type)
        return run(parse_query(resource_type, criteria), self._table)

    def reserve_id(self, resource_type: str) -> str:
        require_type(resource_type)
        return self._table.next_id(resource_type)

    def invoke(self, f: str, key: str) -> int:
        return self._invoke(f, key)

    def done(self, op: int, **kwargs: Any) -> None:
        self._done(op, **kwargs)

    # -- internals ---------------------------------------------------------------------------

    def _invoke(self, f: str, key: str, *, base_version: str | None = None) -> int:
        op = self._history.invoke(self.ctx, f, key, base_version=base_version)
        self._ops[op] = None
        return op

    def _done(self, op: int, **kwargs: Any) -> None:
        self._ops[op] = kwargs

    def _known(self, resource_type: str, resource_id: str) -> Version:
        require_type(resource_type)
        current = self._table.current(resource_type, resource_id)
        if current is None:
            raise ResourceNotFound(f"{resource_type}/{resource_id} does not exist")
        return current

    def _live(self, resource_type: str, resource_id: str) -> Version:
        current = self._known(resource_type, resource_id)
        if current.deleted:
            raise ResourceGone(f"{resource_type}/{resource_id} was deleted")
        return current

    def _match(
        self, resource_type: str, resource_id: str, current: Version | None, expected: str | None
    ) -> None:
        if expected is None:
            return
        found = current.version_id if current is not None else "none"
        if found != expected:
            raise VersionConflict(
                f"If-Match names version {expected} of {resource_type}/{resource_id} but the "
                f"current version is {found}; read it again and retry with its ETag"
            )

    def _write(
        self,
        resource_type: str,
        resource_id: str,
        body: Mapping[str, Any] | None,
        method: str,
        *,
        kind: ChangeKind | None = None,
    ) -> Version:
        current = self._table.current(resource_type, resource_id)
        number = current.number + 1 if current is not None else 1
        now = self._clock.now()
        stored = None if body is None else _stamp(resource_type, resource_id, number, now, body)
        version = Version(resource_type, resource_id, number, stored, now, method)
        self._table.put(version)
        self._undo.append((resource_type, resource_id))
        if kind is None:
            fresh = current is None or current.deleted
            kind = "delete" if body is None else "create" if fresh else "update"
        content = stored if stored is not None else (current.resource if current else None) or {}
        self.changes.append(ChangeEvent(resource_type, resource_id, str(number), content, kind))
        return version

    def commit(self) -> None:
        for op, kwargs in self._ops.items():
            self._history.ok(op, **(kwargs or {}))

    def rollback(self, exc: BaseException) -> None:
        for resource_type, resource_id in reversed(self._undo):
            self._table.undo(resource_type, resource_id)
        failed = exc.code if isinstance(exc, SimulatorError) else f"error:{type(exc).__name__}"
        for op, kwargs in self._ops.items():
            self._history.fail(op, outcome="rolled_back" if kwargs is not None else failed)
        self.changes.clear()


def _etag_version(if_match: str | None) -> str | None:
    if if_match is None:
        return None
    text = if_match.strip()
    text = text[2:] if text.startswith("W/") else text
    return text.strip('"')


def _stamp(
    resource_type: str, resource_id: str, number: int, now: datetime, body: Mapping[str, Any]
) -> dict[str, Any]:
    meta = {
        k: v for k, v in (body.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")
    }
    meta["versionId"] = str(number)
    meta["lastUpdated"] = now.isoformat()
    stored: dict[str, Any] = {"resourceType": resource_type, "id": resource_id, "meta": meta}
    stored.update((k, v) for k, v in body.items() if k not in ("resourceType", "id", "meta"))
    return stored
