"""Whole-system interactions: ``GET /fhir/metadata``, transaction/batch ``POST /fhir``, and a
404 OperationOutcome for resource types the server does not serve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from simulators._shared.clock import Clock
from simulators._shared.routes import DirectRoute
from simulators.ehr.capability import capability_statement
from simulators.ehr.errors import FhirError, InteractionNotSupported, ResourceNotFound
from simulators.ehr.resources import require_type
from simulators.ehr.responses import body_of, context, fhir_base, json_response
from simulators.ehr.store import FhirStore
from simulators.ehr.transaction import process_bundle

_ANY = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def system_router(store: FhirStore, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/fhir", tags=["system"], route_class=DirectRoute)
    published = clock.now()
    statements: dict[str, Response] = {}  # by base URL: the statement never changes

    @router.get("/metadata", summary="The CapabilityStatement")
    async def metadata(request: Request) -> Response:
        base = fhir_base(request)
        if base not in statements:
            statements[base] = json_response(capability_statement(base, published))
        return statements[base]

    @router.post("", summary="A transaction or batch Bundle")
    async def transaction(request: Request) -> Response:
        bundle = await body_of(request)
        return json_response(process_bundle(store, context(request), bundle, fhir_base(request)))

    return router


def unknown_type_router() -> APIRouter:
    """Mounted last: any path under /fhir that no resource router took."""
    router = APIRouter(prefix="/fhir", include_in_schema=False, route_class=DirectRoute)

    @router.api_route("/{resource_type}", methods=_ANY)
    async def unknown(request: Request) -> Response:
        raise _refusal(request)

    @router.api_route("/{resource_type}/{rest:path}", methods=_ANY)
    async def unknown_below(request: Request) -> Response:
        raise _refusal(request)

    return router


def _refusal(request: Request) -> FhirError:
    resource_type = str(request.path_params["resource_type"])
    require_type(resource_type)
    if request.method == "GET":
        return ResourceNotFound(
            f"no {resource_type} at this URL; logical ids match [A-Za-z0-9-.]{{1,64}}"
        )
    return InteractionNotSupported(
        f"{request.method} on this {resource_type} URL is not supported; see /fhir/metadata"
    )
