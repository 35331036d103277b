"""``/cases``: service cases about a contact (questions, complaints, escalations)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators.crm.gate import GatedRoute
from simulators.crm.responses import record_response
from simulators.crm.schemas import CASE_DEFAULTS, CaseFields
from simulators.crm.store import CrmStore
from simulators.crm.validation import IfMatch

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/cases", tags=["cases"], route_class=GatedRoute)
    table = store.cases

    @r.post("", status_code=201)
    async def create_case(body: CaseFields, request: Request) -> JSONResponse:
        record = table.create(request_state(request).context, {**CASE_DEFAULTS, **body.fields()})
        return record_response(record, 201, location=f"/cases/{record['id']}")

    @r.get("")
    async def search_cases(
        request: Request,
        *,
        contact_id: str | None = None,
        status: str | None = None,
        priority: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        wanted = {
            k: v
            for k, v in (("contact_id", contact_id), ("status", status), ("priority", priority))
            if v is not None
        }
        found = table.search(
            request_state(request).context,
            lambda rec: all(rec.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        return {"total": len(found), "items": found[offset : offset + limit]}

    @r.get("/{case_id}")
    async def read_case(case_id: str, request: Request) -> JSONResponse:
        return record_response(table.get(request_state(request).context, case_id))

    @r.patch("/{case_id}")
    async def patch_case(
        case_id: str, body: CaseFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        return record_response(table.update(ctx, case_id, body.fields(), if_match=if_match))

    @r.delete("/{case_id}")
    async def delete_case(case_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        tombstone = table.delete(request_state(request).context, case_id, if_match=if_match)
        return JSONResponse({"id": case_id, "deleted": True, "version": tombstone["version"]})

    return r
