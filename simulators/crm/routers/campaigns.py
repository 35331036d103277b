"""``/campaigns``: outreach automation definitions and their schedule on the simulated clock."""

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
from simulators.crm.outreach_models import CAMPAIGN_DEFAULTS, CampaignFields
from simulators.crm.store import CrmStore

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/campaigns", tags=["campaigns"], route_class=GatedRoute)
    table, outreach = store.campaigns, store.outreach

    def shown(record: Mapping[str, Any]) -> Record:
        return {**record, "schedule": outreach.status(record["id"])}

    @r.post("", status_code=201)
    async def create_campaign(body: CampaignFields, request: Request) -> JSONResponse:
        record = table.create(
            request_state(request).context, {**CAMPAIGN_DEFAULTS, **body.fields()}
        )
        outreach.schedule(record)
        return record_response(shown(record), 201, location=f"/campaigns/{record['id']}")

    @r.get("")
    async def list_campaigns(request: Request) -> dict[str, Any]:
        found = table.search(request_state(request).context, lambda _: True, criteria="")
        return {"total": len(found), "items": [shown(rec) for rec in found]}

    @r.get("/{campaign_id}")
    async def read_campaign(campaign_id: str, request: Request) -> JSONResponse:
        return record_response(shown(table.get(request_state(request).context, campaign_id)))

    @r.patch("/{campaign_id}")
    async def patch_campaign(
        campaign_id: str, body: CampaignFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        record = table.update(ctx, campaign_id, body.fields(), if_match=if_match)
        outreach.schedule(record)
        return record_response(shown(record))

    @r.delete("/{campaign_id}")
    async def delete_campaign(
        campaign_id: str, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        tombstone = table.delete(request_state(request).context, campaign_id, if_match=if_match)
        outreach.unschedule(campaign_id)
        return JSONResponse({"id": campaign_id, "deleted": True, "version": tombstone["version"]})

    return r
