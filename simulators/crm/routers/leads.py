"""``/leads``: prospects moving through the CRM's pipeline before they are patients."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators.crm.gate import GatedRoute
from simulators.crm.responses import record_response
from simulators.crm.schemas import LEAD_DEFAULTS, LeadFields
from simulators.crm.store import CrmStore
from simulators.crm.validation import IfMatch

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/leads", tags=["leads"], route_class=GatedRoute)
    table = store.leads

    @r.post("", status_code=201)
    async def create_lead(body: LeadFields, request: Request) -> JSONResponse:
        record = table.create(request_state(request).context, {**LEAD_DEFAULTS, **body.fields()})
        return record_response(record, 201, location=f"/leads/{record['id']}")

    @r.get("")
    async def search_leads(
        request: Request,
        *,
        contact_id: str | None = None,
        status: str | None = None,
        stage: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        wanted = {
            k: v
            for k, v in (("contact_id", contact_id), ("status", status), ("stage", stage))
            if v is not None
        }
        found = table.search(
            request_state(request).context,
            lambda rec: all(rec.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        return {"total": len(found), "items": found[offset : offset + limit]}

    @r.get("/{lead_id}")
    async def read_lead(lead_id: str, request: Request) -> JSONResponse:
        return record_response(table.get(request_state(request).context, lead_id))

    @r.patch("/{lead_id}")
    async def patch_lead(
        lead_id: str, body: LeadFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        return record_response(table.update(ctx, lead_id, body.fields(), if_match=if_match))

    @r.delete("/{lead_id}")
    async def delete_lead(lead_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        tombstone = table.delete(request_state(request).context, lead_id, if_match=if_match)
        return JSONResponse({"id": lead_id, "deleted": True, "version": tombstone["version"]})

    return r
