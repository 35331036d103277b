"""Consents: ``POST /accounts/{id}/consents/grant`` and ``.../revoke`` per purpose and channel.

Reads add ``effective``: active and inside its period by the simulated clock. ``If-Match``
names the version of the (purpose, channel) consent the caller last saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import record_response
from simulators._shared.records import Record
from simulators.portal.consents import effective
from simulators.portal.schemas import ConsentAction
from simulators.portal.store import PortalStore

__all__ = ["router"]


def router(store: PortalStore) -> APIRouter:
    r = APIRouter(tags=["consents"], route_class=GatedRoute)
    book, table = store.consent_book, store.consents

    def shown(record: Mapping[str, Any]) -> Record:
        return {**record, "effective": effective(record, store.runtime.clock.now())}

    def answer(record: Record, created: bool) -> JSONResponse:
        status = 201 if created else 200
        location = f"/consents/{record['id']}" if created else None
        return record_response(shown(record), status, location=location)

    @r.post("/accounts/{account_id}/consents/grant")
    async def grant_consent(
        account_id: str, body: ConsentAction, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        action = body.model_dump(mode="json")
        return answer(*book.grant(ctx, account_id, action, if_match=if_match))

    @r.post("/accounts/{account_id}/consents/revoke")
    async def revoke_consent(
        account_id: str, body: ConsentAction, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        action = body.model_dump(mode="json", exclude={"period"})
        return answer(*book.revoke(ctx, account_id, action, if_match=if_match))

    @r.get("/accounts/{account_id}/consents")
    async def list_consents(account_id: str, request: Request) -> dict[str, Any]:
        store.accounts.require(account_id, field="account_id")
        found = table.search(
            request_state(request).context,
            lambda rec: rec["account_id"] == account_id,
            criteria="account_id",
        )
        return {"total": len(found), "items": [shown(rec) for rec in found]}

    @r.get("/consents/{consent_id}")
    async def read_consent(consent_id: str, request: Request) -> JSONResponse:
        return record_response(shown(table.get(request_state(request).context, consent_id)))

    @r.get("/consents/{consent_id}/versions")
    async def consent_versions(consent_id: str, request: Request) -> dict[str, Any]:
        table.get(request_state(request).context, consent_id)
        return {"items": table.versions(consent_id)}

    return r
