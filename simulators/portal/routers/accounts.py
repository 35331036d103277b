"""``/accounts``: patient accounts, and the patient-visible status of each."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import etag, record_response
from simulators.portal.schemas import AccountFields, StatusUpdate
from simulators.portal.store import PortalStore, preferences_id

__all__ = ["router"]

_FILTERS = ("email", "phone", "family_name", "status")


def router(store: PortalStore) -> APIRouter:
    r = APIRouter(prefix="/accounts", tags=["accounts"], route_class=GatedRoute)
    table = store.accounts

    @r.post("", status_code=201)
    async def create_account(body: AccountFields, request: Request) -> JSONResponse:
        record = store.create_account(request_state(request).context, body.fields())
        return record_response(record, 201, location=f"/accounts/{record['id']}")

    @r.get("")
    async def search_accounts(
        request: Request,
        *,
        email: str | None = None,
        phone: str | None = None,
        family_name: str | None = None,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        values = (email, phone, family_name, status)
        wanted = {k: v for k, v in zip(_FILTERS, values, strict=True) if v is not None}
        found = table.search(
            request_state(request).context,
            lambda rec: all(rec.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        return {"total": len(found), "items": found[offset : offset + limit]}

    @r.get("/{account_id}")
    async def read_account(account_id: str, request: Request) -> JSONResponse:
        return record_response(table.get(request_state(request).context, account_id))

    @r.patch("/{account_id}")
    async def patch_account(
        account_id: str, body: AccountFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        return record_response(table.update(ctx, account_id, body.fields(), if_match=if_match))

    @r.delete("/{account_id}")
    async def delete_account(account_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        ctx = request_state(request).context
        with store.lock:
            tombstone = table.delete(ctx, account_id, if_match=if_match)
            store.preferences.delete(ctx, preferences_id(account_id), if_match=None)
        return JSONResponse({"id": account_id, "deleted": True, "version": tombstone["version"]})

    @r.get("/{account_id}/status")
    async def read_status(account_id: str, request: Request) -> JSONResponse:
        record = table.get(request_state(request).context, account_id)
        body = {"id": account_id, "status": record["status"], "version": record["version"]}
        return JSONResponse(body, headers={"ETag": etag(record["version"])})

    @r.put("/{account_id}/status")
    async def set_status(
        account_id: str, body: StatusUpdate, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        record = table.update(ctx, account_id, {"status": body.status}, if_match=if_match)
        body_out = {"id": account_id, "status": record["status"], "version": record["version"]}
        return JSONResponse(body_out, headers={"ETag": etag(record["version"])})

    return r
