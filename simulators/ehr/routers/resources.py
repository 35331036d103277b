"""The RESTful interactions of one resource family: ``family_router("clinical", store)``.

A family (``FAMILIES``) is a few resource types with one router; its paths use a URL convertor
that matches only the family's type names (``/fhir/{resource_type:fhir_clinical}``), so routing
stays short and an unknown type falls through to the 404 router.

create (``If-None-Exist``, or search parameters on the POST URL as fhirpy sends them), read,
vread, update (``If-Match``), conditional update (PUT with search parameters), delete, search
(GET, or POST ``_search`` with a form body) and ``_history`` on the instance and the type.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.responses import Response

from simulators._shared.routes import DirectRoute
from simulators.ehr import bundles
from simulators.ehr.errors import FhirBadRequest
from simulators.ehr.responses import (
    body_of,
    context,
    fhir_base,
    json_response,
    resource_response,
)
from simulators.ehr.search import DEFAULT_COUNT, MAX_COUNT, parse_query
from simulators.ehr.store import FhirStore
from simulators.ehr.versions import Version

FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "administrative": ("Patient", "Practitioner"),
    "clinical": ("Encounter", "Condition", "MedicationRequest"),
    "workflow": ("QuestionnaireResponse", "DocumentReference", "Task"),
    "privacy": ("Consent", "AuditEvent"),
    "subscriptions": ("Subscription",),
}


def _type_names(names: tuple[str, ...]) -> StringConvertor:
    class TypeNames(StringConvertor):
        regex = "|".join(names)

    return TypeNames()


class _LogicalId(StringConvertor):
    regex = r"[A-Za-z0-9\-\.]{1,64}"  # FHIR id: never "_history" or "_search"


for _family, _names in FAMILIES.items():
    register_url_convertor(f"fhir_{_family}", _type_names(_names))
register_url_convertor("fhir_id", _LogicalId())


def family_router(family: str, store: FhirStore) -> APIRouter:
    router = APIRouter(
        prefix="/fhir/{resource_type:fhir_" + family + "}",
        tags=[f"{family}: {', '.join(FAMILIES[family])}"],
        generate_unique_id_function=lambda route: f"{family}_{route.name}",
        route_class=DirectRoute,
    )
    _hot_routes(router, "resource", store)  # FastAPI tries routes in order: hot ones first
    _instance_routes(router, "resource", store)
    _type_routes(router, "resource", store)
    return router


def _hot_routes(router: APIRouter, label: str, store: FhirStore) -> None:
    @router.post("", status_code=201, summary=f"Create a {label}")
    async def create(request: Request) -> Response:
        (resource_type,) = _path(request, "resource_type")
        body = await body_of(request)
        header = request.headers.get("if-none-exist")
        criteria = parse_qsl(header) if header else list(request.query_params.multi_items())
        with store.session(context(request)) as session:
            version, created = session.create(resource_type, body, if_none_exist=criteria)
        return resource_response(request, version, status=201 if created else 200, location=True)

    @router.get("/{resource_id:fhir_id}", summary=f"Read a {label}")
    async def read(request: Request) -> Response:
        resource_type, resource_id = _path(request, "resource_type", "resource_id")
        with store.session(context(request)) as session:
            version = session.read(resource_type, resource_id)
        return resource_response(request, version)


def _type_routes(router: APIRouter, label: str, store: FhirStore) -> None:
    @router.get("", summary=f"Search {label}")
    async def search(request: Request) -> Response:
        (resource_type,) = _path(request, "resource_type")
        return _search(resource_type, request, list(request.query_params.multi_items()))

    @router.post("/_search", summary=f"Search {label} (form body)")
    async def search_form(request: Request) -> Response:
        (resource_type,) = _path(request, "resource_type")
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        return _search(resource_type, request, [*request.query_params.multi_items(), *form])

    @router.put("", summary=f"Conditional update of a {label}")
    async def conditional_update(request: Request) -> Response:
        (resource_type,) = _path(request, "resource_type")
        body = await body_of(request)
        criteria = list(request.query_params.multi_items())
        with store.session(context(request)) as session:
            version, created = session.conditional_update(
                resource_type, criteria, body, if_match=request.headers.get("if-match")
            )
        return resource_response(request, version, status=201 if created else 200, location=True)

    @router.get("/_history", summary=f"History of every {label}")
    async def type_history(request: Request) -> Response:
        (resource_type,) = _path(request, "resource_type")
        with store.session(context(request)) as session:
            versions = session.history(resource_type)
        url = f"{fhir_base(request)}/{resource_type}/_history"
        return _history(request, versions, url)

    def _search(resource_type: str, request: Request, pairs: list[tuple[str, str]]) -> Response:
        query = parse_query(resource_type, pairs)
        with store.session(context(request)) as session:
            found = session.search(query)
        return json_response(bundles.searchset(query, found, fhir_base(request)))


def _instance_routes(router: APIRouter, label: str, store: FhirStore) -> None:
    @router.put("/{resource_id:fhir_id}", summary=f"Update a {label} (If-Match for versions)")
    async def update(request: Request) -> Response:
        resource_type, resource_id = _path(request, "resource_type", "resource_id")
        body = await body_of(request)
        with store.session(context(request)) as session:
            version, created = session.update(
                resource_type, resource_id, body, if_match=request.headers.get("if-match")
            )
        return resource_response(request, version, status=201 if created else 200, location=True)

    @router.delete("/{resource_id:fhir_id}", status_code=204, summary=f"Delete a {label}")
    async def delete(request: Request) -> Response:
        resource_type, resource_id = _path(request, "resource_type", "resource_id")
        with store.session(context(request)) as session:
            session.delete(resource_type, resource_id, if_match=request.headers.get("if-match"))
        return Response(status_code=204)

    @router.get("/{resource_id:fhir_id}/_history", summary=f"History of one {label}")
    async def history(request: Request) -> Response:
        resource_type, resource_id = _path(request, "resource_type", "resource_id")
        with store.session(context(request)) as session:
            versions = session.history(resource_type, resource_id)
        url = f"{fhir_base(request)}/{resource_type}/{resource_id}/_history"
        return _history(request, versions, url)

    @router.get("/{resource_id:fhir_id}/_history/{version_id}", summary=f"Read one {label} version")
    async def vread(request: Request) -> Response:
        resource_type, resource_id, version_id = _path(
            request, "resource_type", "resource_id", "version_id"
        )
        with store.session(context(request)) as session:
            version = session.vread(resource_type, resource_id, version_id)
        return resource_response(request, version)


def _history(request: Request, versions: list[Version], url: str) -> Response:
    count, offset = _paging(request)
    bundle = bundles.history(versions, fhir_base(request), url, count=count, offset=offset)
    return json_response(bundle)


def _paging(request: Request) -> tuple[int, int]:
    """``_count`` and ``_offset`` of a history request."""
    values = {k: v for k, v in request.query_params.items() if k in ("_count", "_offset")}
    for name, raw in values.items():
        if not raw.isdigit():
            raise FhirBadRequest(f"parameter {name!r} must be a non-negative integer")
    return min(int(values.get("_count", DEFAULT_COUNT)), MAX_COUNT), int(values.get("_offset", 0))


def _path(request: Request, *names: str) -> tuple[str, ...]:
    """Path parameters read directly (no per-route pydantic models: routes stay cheap)."""
    return tuple(str(request.path_params[name]) for name in names)
