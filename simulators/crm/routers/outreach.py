"""``/outreach``: the manual send (refused with 409 when the local consent flag denies) and
the send log of every attempt, manual or automated."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators.crm.outreach_models import SendRequest
from simulators.crm.store import CrmStore

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/outreach", tags=["outreach"], route_class=GatedRoute)

    @r.post("/send", status_code=201)
    async def send_message(body: SendRequest, request: Request) -> JSONResponse:
        entry = store.outreach.send(request_state(request).context, body.fields())
        return JSONResponse(entry, status_code=201)

    @r.get("/sends")
    async def send_log(
        request: Request,
        *,
        contact_id: str | None = None,
        campaign_id: str | None = None,
        channel: str | None = None,
        purpose: str | None = None,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        history = store.runtime.history
        op = history.invoke(request_state(request).context, "search", "Send")
        items = store.outreach.log(
            contact_id=contact_id,
            campaign_id=campaign_id,
            channel=channel,
            purpose=purpose,
            status=status,
        )
        history.ok(op, outcome=f"ok:{len(items)}")
        return {"total": len(items), "items": items[offset : offset + limit]}

    return r
