"""The version the engine last saw of a part of a person record: the portal's preferences.

A portal account's contact preferences are their own record (``pref-{account}``) with their own
version, apart from the account's. The engine writes them with ``If-Match`` on the version it
last saw, like every other write, so a patient's choice made since (one the engine has not
decided yet) answers 412 instead of being overwritten by an older value from elsewhere. That
version comes from the part's change events (the worker notes it) and from the engine's own
writes (the target notes the answer's version).

The version is kept as a keyed cursor row (``part:{system}:{id}``), as ``SyncStore.note_written``
keeps its marks: every store holds it without a schema change. Versions only go up: a reordered
event never takes the known version back.
"""

from __future__ import annotations

from splitbrain.engine.service_layer.sync.ports import SyncStore


def part_version(store: SyncStore, system: str, part_id: str) -> str | None:
    """The version of ``system``'s record part ``part_id`` the engine last saw, if any."""
    return store.cursor(_key(system, part_id))


def note_part_version(store: SyncStore, system: str, part_id: str, version: str) -> None:
    """The engine saw ``version`` of the part (an event, or its own write's answer)."""
    known = part_version(store, system, part_id)
    if known is None or _rank(version) > _rank(known):
        store.set_cursor(_key(system, part_id), version)


def _key(system: str, part_id: str) -> str:
    return f"part:{system}:{part_id}"


def _rank(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)
