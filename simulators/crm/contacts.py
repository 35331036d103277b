"""Contact rules beyond plain fields: merging a patch, and upsert by external id.

A patch merges ``consents`` per (purpose, channel) and ``custom`` per key (JSON merge patch:
``null`` removes a custom key); ``consents.PURPOSE.channel`` keys set a single flag. Upsert by
external id: no match creates, one match updates, more than one writes nothing and answers 300
with the candidates::

    record, created = upsert(store, ctx, "ehr", "ehr-3fa29c01b2", {"phone": ...}, if_match=None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulators._shared import OpContext, PreconditionFailed
from simulators._shared.records import Record
from simulators.crm.errors import MultipleMatches
from simulators.crm.schemas import check_consents
from simulators.crm.store import CrmStore

__all__ = ["CONTACT_DEFAULTS", "consent_change", "merge_contact", "upsert"]

CONTACT_DEFAULTS: dict[str, Any] = {"stage": "New Lead", "consents": {}, "external_ids": []}
_FLAG_PREFIX = "consents."


def consent_change(purpose: str, channel: str, allowed: bool) -> dict[str, Any]:
    """The patch that sets one local consent flag (recorded as field ``consents.P.c``)."""
    check_consents({purpose: {channel: allowed}})
    return {f"{_FLAG_PREFIX}{purpose}.{channel}": allowed}


def merge_contact(current: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The fields to store for ``changes`` applied to ``current``."""
    applied: dict[str, Any] = {}
    consents = {p: dict(c) for p, c in (current.get("consents") or {}).items()}
    touched_consents = False
    for name, value in changes.items():
        if name.startswith(_FLAG_PREFIX):
            purpose, _, channel = name[len(_FLAG_PREFIX) :].partition(".")
            consents.setdefault(purpose, {})[channel] = value
            touched_consents = True
        elif name == "consents":
            for purpose, channels in (value or {}).items():
                consents.setdefault(purpose, {}).update(channels)
            if value is None:
                consents = {}
            touched_consents = True
        elif name == "custom":
            applied["custom"] = _merge_patch(current.get("custom") or {}, value)
        else:
            applied[name] = value
    if touched_consents:
        applied["consents"] = consents
    return applied


def _merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any] | None) -> dict[str, Any]:
    if patch is None:
        return {}
    merged = {**current, **patch}
    return {k: v for k, v in merged.items() if v is not None}


def _with_external_id(fields: dict[str, Any], system: str, value: str) -> dict[str, Any]:
    ids = list(fields.get("external_ids") or [])
    wanted = {"system": system, "value": value}
    if wanted not in ids:
        ids.append(wanted)
    return {**fields, "external_ids": ids}


def matching(store: CrmStore, system: str, value: str) -> list[Record]:
    wanted = {"system": system, "value": value}
    return [c for c in store.contacts.values() if wanted in (c.get("external_ids") or ())]


def upsert(
    store: CrmStore,
    ctx: OpContext,
    system: str,
    value: str,
    fields: dict[str, Any],
    *,
    if_match: int | None,
) -> tuple[Record, bool]:
    """Create or update the one contact with external id ``system|value``; True if created."""
    with store.lock:
        found = matching(store, system, value)
        if len(found) > 1 or (not found and if_match is not None):
            _refuse(store, ctx, (system, value), fields=fields, found=found, if_match=if_match)
        if not found:
            created = {**CONTACT_DEFAULTS, **_with_external_id(fields, system, value)}
            return store.contacts.create(ctx, created), True
        if "external_ids" in fields:
            fields = _with_external_id(fields, system, value)
        record = store.contacts.update(
            ctx, found[0]["id"], fields, if_match=if_match, merge=merge_contact
        )
        return record, False


def _refuse(
    store: CrmStore,
    ctx: OpContext,
    external: tuple[str, str],
    *,
    fields: dict[str, Any],
    found: list[Record],
    if_match: int | None,
) -> None:
    system, value = external
    history = store.runtime.history
    base = None if if_match is None else str(if_match)
    key = f"Contact?external_id={system}|{value}"
    op = history.invoke(ctx, "write", key, base_version=base, fields=fields)
    if found:
        history.fail(op, outcome="multiple_matches")
        ids = sorted(c["id"] for c in found)
        raise MultipleMatches(
            f"{len(ids)} contacts carry external id {system}|{value} ({', '.join(ids)}); nothing "
            "was written: merge the duplicates or update one of them by id",
            candidates=ids,
        )
    history.fail(op, outcome="precondition_failed")
    raise PreconditionFailed(
        f"no contact carries external id {system}|{value}, but If-Match was sent; drop If-Match "
        "to create it"
    )
