"""``/tasks``: work items in an owner queue (a role) with an SLA due time on the simulated clock.

A task is ``open`` until someone marks it ``done`` (``completed_at`` is then stamped). Reads
add ``overdue``: open and past ``due_at`` by the simulated clock. ``GET /tasks?owner_queue=
clinical_ops&status=open`` is that role's queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import record_response
from simulators._shared.records import Record
from simulators.crm.schemas import TASK_DEFAULTS, TaskFields
from simulators.crm.store import CrmStore

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/tasks", tags=["tasks"], route_class=GatedRoute)
    table = store.tasks

    def shown(record: Mapping[str, Any]) -> Record:
        due = datetime.fromisoformat(record["due_at"])
        overdue = record["status"] == "open" and due <= store.runtime.clock.now()
        return {**record, "overdue": overdue}

    def completion(current: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        applied = dict(changes)
        if changes.get("status") == "done" and current["status"] != "done":
            applied["completed_at"] = store.runtime.clock.now().isoformat()
        elif changes.get("status") == "open":
            applied["completed_at"] = None
        if "sla_minutes" in changes and "due_at" not in changes:
            applied["due_at"] = store.task_due({**current, "due_at": None, **changes})
        return applied

    @r.post("", status_code=201)
    async def create_task(body: TaskFields, request: Request) -> JSONResponse:
        fields = {**TASK_DEFAULTS, **body.fields()}
        fields["due_at"] = store.task_due(fields)
        record = table.create(request_state(request).context, fields)
        return record_response(shown(record), 201, location=f"/tasks/{record['id']}")

    @r.get("")
    async def search_tasks(
        request: Request,
        *,
        owner_queue: str | None = None,
        status: str | None = None,
        contact_id: str | None = None,
        kind: str | None = None,
        overdue: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        pairs = (
            ("owner_queue", owner_queue),
            ("status", status),
            ("contact_id", contact_id),
            ("kind", kind),
        )
        wanted = {k: v for k, v in pairs if v is not None}
        found = table.search(
            request_state(request).context,
            lambda rec: all(rec.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        items = [shown(rec) for rec in found]
        if overdue is not None:
            items = [item for item in items if item["overdue"] is overdue]
        items.sort(key=lambda item: (item["due_at"], item["id"]))
        return {"total": len(items), "items": items[offset : offset + limit]}

    @r.get("/{task_id}")
    async def read_task(task_id: str, request: Request) -> JSONResponse:
        return record_response(shown(table.get(request_state(request).context, task_id)))

    @r.patch("/{task_id}")
    async def patch_task(
        task_id: str, body: TaskFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        record = table.update(ctx, task_id, body.fields(), if_match=if_match, merge=completion)
        return record_response(shown(record))

    @r.delete("/{task_id}")
    async def delete_task(task_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        tombstone = table.delete(request_state(request).context, task_id, if_match=if_match)
        return JSONResponse({"id": task_id, "deleted": True, "version": tombstone["version"]})

    return r
