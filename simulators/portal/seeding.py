"""``POST /_admin/seed`` for the portal: accounts, with consents and preferences inline.

Each record is an account: an optional ``id`` (kept, so the population's record ids line up
with its ground truth), the account fields, and optionally ``consents`` (a list of
``{"purpose", "channel", "period"?}`` grants) and ``preferences`` (the preference fields)::

    [{"id": "portal-0a1b2c3d4e", "given_name": "Ana", "status": "In care",
      "consents": [{"purpose": "TREAT", "channel": "sms"}],
      "preferences": {"preferred_channel": "sms", "contact_time": "morning"}}]
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from simulators._shared import BadRequest
from simulators.portal.schemas import AccountFields, ConsentAction, PreferenceFields
from simulators.portal.store import PortalStore, preferences_id

__all__ = ["seed_records"]

_M = TypeVar("_M", bound=BaseModel)


def seed_records(
    store: PortalStore, records: list[dict[str, Any]], *, process: str
) -> dict[str, Any]:
    counts = {"account": 0, "consent": 0, "preferences": 0}
    for index, raw in enumerate(records):
        body = {k: v for k, v in raw.items() if k not in ("id", "consents", "preferences")}
        fields = _valid(AccountFields, body, index, "account").fields()
        record_id = None if raw.get("id") is None else str(raw["id"])
        account = store.create_account(process, fields, record_id=record_id)
        counts["account"] += 1
        for grant in raw.get("consents") or ():
            action = _valid(ConsentAction, grant, index, "consents").model_dump(mode="json")
            store.consent_book.grant(process, account["id"], action, if_match=None)
            counts["consent"] += 1
        if raw.get("preferences"):
            prefs = _valid(PreferenceFields, raw["preferences"], index, "preferences")
            changes = prefs.fields()
            store.preferences.update(process, preferences_id(account["id"]), changes, if_match=None)
            counts["preferences"] += 1
    return {"created": counts}


def _valid(model: type[_M], body: Any, index: int, part: str) -> _M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise BadRequest(f"seed record {index} ({part}): field '{path}': {first['msg']}") from None
