"""Patient-only operations: ``POST /fhir/Patient/$merge``.

The body is a Parameters resource with ``source-patient`` (retired) and ``target-patient``
(survivor) as valueReference (``Patient/{id}``), the parameter names of the FHIR R5 operation.
The source becomes inactive with ``link`` replaced-by the target, the target gains ``link``
replaces the source, and the answer is the target as it now stands.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from simulators._shared.routes import DirectRoute
from simulators.ehr.errors import FhirBadRequest
from simulators.ehr.responses import body_of, context, resource_response
from simulators.ehr.store import FhirStore


def patient_router(store: FhirStore) -> APIRouter:
    router = APIRouter(prefix="/fhir/Patient", tags=["Patient"], route_class=DirectRoute)

    @router.post("/$merge", summary="Merge two Patients (source retired, target survives)")
    async def merge(request: Request) -> Response:
        body = await body_of(request)
        retired = _patient_id(body, "source-patient")
        survivor = _patient_id(body, "target-patient")
        ctx = context(request)
        store.merge(survivor, retired, ctx=ctx)
        with store.session(ctx) as session:
            version = session.read("Patient", survivor)
        return resource_response(request, version)

    return router


def _patient_id(body: dict[str, Any], name: str) -> str:
    if body.get("resourceType") != "Parameters":
        raise FhirBadRequest("$merge takes a Parameters resource")
    for index, parameter in enumerate(body.get("parameter") or []):
        if isinstance(parameter, dict) and parameter.get("name") == name:
            reference = (parameter.get("valueReference") or {}).get("reference", "")
            kind, _, patient_id = str(reference).rpartition("/")
            if kind.endswith("Patient") and patient_id:
                return patient_id
            path = f"Parameters.parameter[{index}].valueReference"
            raise FhirBadRequest.at(path, f"{path} must reference Patient/{{id}}")
    raise FhirBadRequest.at(
        "Parameters.parameter",
        f"$merge needs the parameter {name!r} (valueReference Patient/{{id}})",
        code="required",
    )
