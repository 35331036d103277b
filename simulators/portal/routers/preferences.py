"""``/accounts/{id}/preferences``: contact preferences, versioned; If-Match answers 412.

PUT replaces every preference (unsent ones go back to their defaults); PATCH changes the ones
sent.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import record_response
from simulators.portal.schemas import PREFERENCE_DEFAULTS, PreferenceFields
from simulators.portal.store import PortalStore, preferences_id

__all__ = ["router"]


def router(store: PortalStore) -> APIRouter:
    r = APIRouter(prefix="/accounts", tags=["preferences"], route_class=GatedRoute)
    table = store.preferences

    @r.get("/{account_id}/preferences")
    async def read_preferences(account_id: str, request: Request) -> JSONResponse:
        store.accounts.require(account_id, field="account_id")
        return record_response(
            table.get(request_state(request).context, preferences_id(account_id))
        )

    @r.put("/{account_id}/preferences")
    async def replace_preferences(
        account_id: str, body: PreferenceFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        store.accounts.require(account_id, field="account_id")
        changes = {**PREFERENCE_DEFAULTS, **body.fields()}
        ctx = request_state(request).context
        record = table.update(ctx, preferences_id(account_id), changes, if_match=if_match)
        return record_response(record)

    @r.patch("/{account_id}/preferences")
    async def patch_preferences(
        account_id: str, body: PreferenceFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        store.accounts.require(account_id, field="account_id")
        ctx = request_state(request).context
        record = table.update(ctx, preferences_id(account_id), body.fields(), if_match=if_match)
        return record_response(record)

    return r
