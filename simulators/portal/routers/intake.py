"""Intake submissions: questionnaire answers, versioned. An amendment is a new version.

``POST /accounts/{id}/intake`` submits; ``PUT /intake/{sid}`` amends (answers replaced; a
completed submission becomes ``amended``); ``GET /intake/{sid}/versions`` lists every version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.errors import InvalidField
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import record_response
from simulators.portal.schemas import IntakeFields
from simulators.portal.store import PortalStore

__all__ = ["router"]


def _amend(current: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    applied = dict(changes)
    if "status" not in changes and current["status"] in ("completed", "amended"):
        applied["status"] = "amended"
    return applied


def router(store: PortalStore) -> APIRouter:
    r = APIRouter(tags=["intake"], route_class=GatedRoute)
    table = store.intake

    @r.post("/accounts/{account_id}/intake", status_code=201)
    async def submit_intake(account_id: str, body: IntakeFields, request: Request) -> JSONResponse:
        fields = body.fields()
        if not fields.get("questionnaire"):
            raise InvalidField("questionnaire", "field 'questionnaire' is required: name the form")
        record = table.create(
            request_state(request).context,
            {"account_id": account_id, "answers": [], "status": "completed", **fields},
        )
        return record_response(record, 201, location=f"/intake/{record['id']}")

    @r.get("/accounts/{account_id}/intake")
    async def list_intake(account_id: str, request: Request) -> dict[str, Any]:
        store.accounts.require(account_id, field="account_id")
        found = table.search(
            request_state(request).context,
            lambda rec: rec["account_id"] == account_id,
            criteria="account_id",
        )
        return {"total": len(found), "items": found}

    @r.get("/intake/{submission_id}")
    async def read_intake(submission_id: str, request: Request) -> JSONResponse:
        return record_response(table.get(request_state(request).context, submission_id))

    @r.put("/intake/{submission_id}")
    async def amend_intake(
        submission_id: str, body: IntakeFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        record = table.update(ctx, submission_id, body.fields(), if_match=if_match, merge=_amend)
        return record_response(record)

    @r.get("/intake/{submission_id}/versions")
    async def intake_versions(submission_id: str, request: Request) -> dict[str, Any]:
        table.get(request_state(request).context, submission_id)
        return {"items": table.versions(submission_id)}

    return r
