"""One router shape for the CRM's plain record tables (``/leads``, ``/cases``).

Create, search by exact field values with paging, read, PATCH with ``If-Match``, delete with
``If-Match``. Each table differs only in its name, body model, defaults and search filters;
the route functions get real signatures so FastAPI validates bodies and lists the filters in
the OpenAPI docs exactly as hand-written routes would.

Example::

    record_router("leads", store.leads, LeadFields, LEAD_DEFAULTS,
                  filters=("contact_id", "status", "stage"))
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_fields import RecordFields
from simulators._shared.record_responses import record_response
from simulators._shared.records import Table

__all__ = ["record_router"]


def record_router(
    name: str,
    table: Table,
    body: type[RecordFields],
    defaults: Mapping[str, Any],
    *,
    filters: tuple[str, ...],
) -> APIRouter:
    """``/{name}`` with create, search, read, patch and delete over ``table``."""
    r = APIRouter(prefix=f"/{name}", tags=[name], route_class=GatedRoute)

    async def create(body: RecordFields, request: Request) -> JSONResponse:
        record = table.create(request_state(request).context, {**defaults, **body.fields()})
        return record_response(record, 201, location=f"/{name}/{record['id']}")

    async def search(
        request: Request, limit: int, offset: int, **criteria: str | None
    ) -> dict[str, Any]:
        wanted = {k: v for k, v in criteria.items() if v is not None}
        found = table.search(
            request_state(request).context,
            lambda rec: all(rec.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        return {"total": len(found), "items": found[offset : offset + limit]}

    async def read(record_id: str, request: Request) -> JSONResponse:
        return record_response(table.get(request_state(request).context, record_id))

    async def patch(
        record_id: str, body: RecordFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        return record_response(table.update(ctx, record_id, body.fields(), if_match=if_match))

    async def delete(record_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        tombstone = table.delete(request_state(request).context, record_id, if_match=if_match)
        return JSONResponse({"id": record_id, "deleted": True, "version": tombstone["version"]})

    singular = name.removesuffix("s")
    _with_body(create, body)
    _with_body(patch, body)
    search.__signature__ = _search_signature(filters)  # type: ignore[attr-defined]
    r.post("", status_code=201, name=f"create_{singular}")(create)
    r.get("", name=f"search_{name}")(search)
    r.get("/{record_id}", name=f"read_{singular}")(read)
    r.patch("/{record_id}", name=f"patch_{singular}")(patch)
    r.delete("/{record_id}", name=f"delete_{singular}")(delete)
    return r


def _with_body(route: Any, model: type[RecordFields]) -> None:
    """Declare the table's own body model, so FastAPI validates and documents it."""
    signature = inspect.signature(route)
    params = [p.replace(annotation=model) if p.name == "body" else p
              for p in signature.parameters.values()]  # fmt: skip
    route.__signature__ = signature.replace(parameters=params)


def _search_signature(filters: tuple[str, ...]) -> inspect.Signature:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              annotation=Request),
            *(inspect.Parameter(f, keyword, default=None, annotation=str | None)
              for f in filters),
            inspect.Parameter("limit", keyword, default=100,
                              annotation=Annotated[int, Query(ge=1, le=1000)]),
            inspect.Parameter("offset", keyword, default=0,
                              annotation=Annotated[int, Query(ge=0)]),
        ],
        return_annotation=dict[str, Any],
    )  # fmt: skip
