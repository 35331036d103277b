"""The EHR's raw storage: every version of every resource, plus an identifier index.

Versions are immutable: a stored resource dict is never mutated after ``put`` (responses and the
history hold references to it). ``undo`` removes the newest version of one resource, which is
how a transaction Bundle rolls back.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulators.ehr.encoding import encode_json


@dataclass(frozen=True, slots=True)
class Version:
    """One version of one resource; ``resource`` is None for a deletion."""

    resource_type: str
    id: str
    number: int
    resource: dict[str, Any] | None
    last_updated: datetime
    method: str
    _json: bytes | None = field(default=None, compare=False, repr=False)

    def json(self) -> bytes:
        """The resource as response bytes, encoded on first use and kept (it never changes)."""
        if self._json is None:
            object.__setattr__(self, "_json", encode_json(self.resource))  # a cache, not state
        assert self._json is not None
        return self._json

    @property
    def version_id(self) -> str:
        return str(self.number)

    @property
    def etag(self) -> str:
        return f'W/"{self.number}"'

    @property
    def deleted(self) -> bool:
        return self.resource is None

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


def id_order(resource_id: str) -> tuple[int, str]:
    """Sort key putting numeric ids in numeric order ("9" before "10")."""
    return (len(resource_id), resource_id)


IdentifierKey = tuple[str, str, str]  # (resource type, system or "", value)


class ResourceTable:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._records: dict[str, dict[str, list[Version]]] = defaultdict(dict)
        self._log: dict[str, list[Version]] = defaultdict(list)
        self._by_identifier: dict[IdentifierKey, set[str]] = defaultdict(set)
        self._by_value: dict[tuple[str, str], set[str]] = defaultdict(set)

    def next_id(self, resource_type: str) -> str:
        """A fresh server-assigned id, skipping ids clients chose with update-as-create."""
        taken = self._records[resource_type]
        while True:
            candidate = str(next(self._ids))
            if candidate not in taken:
                return candidate

    def current(self, resource_type: str, resource_id: str) -> Version | None:
        versions = self._records[resource_type].get(resource_id)
        return versions[-1] if versions else None

    def versions(self, resource_type: str, resource_id: str) -> list[Version]:
        return list(self._records[resource_type].get(resource_id, ()))

    def type_log(self, resource_type: str) -> list[Version]:
        """Every version of every resource of the type, in commit order."""
        return list(self._log[resource_type])

    def live(self, resource_type: str) -> Iterator[Version]:
        """Current, not deleted versions of the type, in creation order."""
        for versions in self._records[resource_type].values():
            if versions[-1].resource is not None:
                yield versions[-1]

    def count(self, resource_type: str) -> int:
        return sum(1 for _ in self.live(resource_type))

    def with_identifier(self, resource_type: str, system: str | None, value: str) -> set[str]:
        """Ids whose current version holds the identifier (any system when ``system`` is None)."""
        if system is None:
            return set(self._by_value.get((resource_type, value), ()))
        return set(self._by_identifier.get((resource_type, system, value), ()))

    def put(self, version: Version) -> None:
        versions = self._records[version.resource_type].setdefault(version.id, [])
        previous = versions[-1] if versions else None
        versions.append(version)
        self._log[version.resource_type].append(version)
        self._reindex(previous, version)

    def undo(self, resource_type: str, resource_id: str) -> None:
        """Drop the newest version of the resource (it must be the type's newest log entry)."""
        versions = self._records[resource_type][resource_id]
        newest = versions.pop()
        log = self._log[resource_type]
        if log and log[-1] is newest:
            log.pop()
        else:
            log.remove(newest)
        previous = versions[-1] if versions else None
        if not versions:
            del self._records[resource_type][resource_id]
        self._reindex(newest, previous)

    def clear(self) -> None:
        self._records.clear()
        self._log.clear()
        self._by_identifier.clear()
        self._by_value.clear()

    def _reindex(self, old: Version | None, new: Version | None) -> None:
        for key, value_key, resource_id in _identifier_keys(old):
            self._by_identifier[key].discard(resource_id)
            self._by_value[value_key].discard(resource_id)
        for key, value_key, resource_id in _identifier_keys(new):
            self._by_identifier[key].add(resource_id)
            self._by_value[value_key].add(resource_id)


def _identifier_keys(
    version: Version | None,
) -> Iterator[tuple[IdentifierKey, tuple[str, str], str]]:
    if version is None or version.resource is None:
        return
    identifiers = version.resource.get("identifier", ())
    for identifier in [identifiers] if isinstance(identifiers, dict) else identifiers:
        value = identifier.get("value") if isinstance(identifier, dict) else None
        if isinstance(value, str):
            system = identifier.get("system") or ""
            yield (
                (version.resource_type, system, value),
                (version.resource_type, value),
                version.id,
            )
