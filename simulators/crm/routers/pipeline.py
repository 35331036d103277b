"""``/pipeline``: the CRM's own stage names, in order (a matrix maps them to canonical ones)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators.crm.store import CrmStore
from simulators.crm.vocabulary import PIPELINE_STAGES

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/pipeline", tags=["pipeline"], route_class=GatedRoute)

    @r.get("")
    async def read_pipeline(request: Request) -> dict[str, Any]:
        history = store.runtime.history
        op = history.invoke(request_state(request).context, "read", "Pipeline")
        history.ok(op)
        stages = [{"name": name, "order": i} for i, name in enumerate(PIPELINE_STAGES, 1)]
        return {"stages": stages}

    return r
