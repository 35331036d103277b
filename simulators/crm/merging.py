"""Merging two contacts of one person: the survivor absorbs the retired contact, which is deleted.

A CRM's answer to a duplicate (a lead staff typed in and a contact a sync made for the same
patient). ``POST /contacts/{survivor}/merge`` with ``{"retired_id": ...}``:

- the survivor keeps every value it has and takes the retired contact's values for the fields it
  lacks; ``external_ids`` are the union (so an upsert by either external id finds the survivor);
  ``custom`` keys are merged, the survivor's winning;
- consent flags never widen: a flag is allowed only where the survivor allowed it and the
  retired contact did not deny it (a denial on either side stands);
- leads, cases and tasks that named the retired contact name the survivor;
- the retired contact is deleted (its tombstone answers 404 naming the deletion) and its id is
  kept in the survivor's ``merged_ids``.

Merging a contact that is already merged into the same survivor changes nothing and answers the
survivor (a retry after a lost reply is safe even without ``Idempotency-Key``)::

    survivor = merge_contacts(store, ctx, "con-000001", "con-000002", if_match=3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulators._shared import OpContext
from simulators._shared.errors import InvalidField, RecordNotFound
from simulators._shared.records import Record
from simulators.crm.store import CrmStore

__all__ = ["merge_contacts"]

_KEPT = frozenset({"id", "version", "created_at", "updated_at", "merged_ids"})
"""Fields the survivor never takes from the retired contact."""
_MERGED = frozenset({"external_ids", "consents", "custom"})
"""Fields combined from both sides rather than filled in."""


def merge_contacts(
    store: CrmStore, ctx: OpContext, survivor_id: str, retired_id: str, *, if_match: int | None
) -> Record:
    """Merge ``retired_id`` into ``survivor_id``; the survivor as it now stands."""
    if survivor_id == retired_id:
        raise InvalidField(
            "retired_id", f"cannot merge Contact/{survivor_id} into itself; name another contact"
        )
    with store.lock:
        survivor = store.contacts.peek(survivor_id)
        if survivor is not None and retired_id in (survivor.get("merged_ids") or ()):
            return store.contacts.get(ctx, survivor_id)  # merged before: nothing to do twice
        retired = store.contacts.peek(retired_id)
        if retired is None:
            raise RecordNotFound(
                f"Contact/{retired_id} (to retire into Contact/{survivor_id}) does not exist or "
                "was deleted; merge only live contacts"
            )
        changes = _absorbed(survivor or {}, retired)
        record = store.contacts.update(ctx, survivor_id, changes, if_match=if_match)
        _repoint(store, ctx, retired_id, survivor_id)
        store.contacts.delete(ctx, retired_id, if_match=retired["version"])
        return record


def _absorbed(survivor: Mapping[str, Any], retired: Mapping[str, Any]) -> dict[str, Any]:
    """The survivor's changes: the retired contact's values where the survivor has none."""
    changes: dict[str, Any] = {
        name: value
        for name, value in retired.items()
        if name not in _KEPT | _MERGED and value is not None and survivor.get(name) is None
    }
    ids = list(survivor.get("external_ids") or [])
    changes["external_ids"] = ids + [x for x in retired.get("external_ids") or () if x not in ids]
    changes["custom"] = {**(retired.get("custom") or {}), **(survivor.get("custom") or {})}
    changes["consents"] = _narrowest(survivor.get("consents") or {}, retired.get("consents") or {})
    changes["merged_ids"] = [*(survivor.get("merged_ids") or ()), retired["id"]]
    return changes


def _narrowest(
    survivor: Mapping[str, Mapping[str, bool]], retired: Mapping[str, Mapping[str, bool]]
) -> dict[str, dict[str, bool]]:
    flags: dict[str, dict[str, bool]] = {p: dict(c) for p, c in survivor.items()}
    for purpose, channels in retired.items():
        for channel, allowed in channels.items():
            mine = flags.setdefault(purpose, {})
            mine[channel] = bool(mine.get(channel, False)) and allowed
    return flags


def _repoint(store: CrmStore, ctx: OpContext, retired_id: str, survivor_id: str) -> None:
    for table in (store.leads, store.cases, store.tasks):
        for row in table.values():
            if row.get("contact_id") == retired_id:
                change = {"contact_id": survivor_id}
                table.update(ctx, row["id"], change, if_match=row["version"])
