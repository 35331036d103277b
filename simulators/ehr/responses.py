"""HTTP helpers for the FHIR routes: bodies in, resources out with ETag and Location."""

from __future__ import annotations

import json
from email.utils import format_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators._shared.history import OpContext
from simulators._shared.middleware import request_state
from simulators.ehr.outcome import FHIR_JSON
from simulators.ehr.resources import parse_body
from simulators.ehr.versions import Version


def fhir_base(request: Request) -> str:
    """The FHIR base URL as the client reached it, e.g. ``http://127.0.0.1:8001/fhir``."""
    return f"{str(request.base_url).rstrip('/')}/fhir"


def context(request: Request) -> OpContext:
    return request_state(request).context


async def body_of(request: Request) -> dict[str, Any]:
    return parse_body(await request.body())


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, headers=headers, media_type=FHIR_JSON)


def resource_response(
    request: Request, version: Version, *, status: int = 200, location: bool = False
) -> Response:
    """The resource with ETag and Last-Modified; ``Prefer: return=minimal`` drops the body."""
    headers = {
        "ETag": version.etag,
        "Last-Modified": format_datetime(version.last_updated, usegmt=True),
    }
    if location:
        headers["Location"] = (
            f"{fhir_base(request)}/{version.reference}/_history/{version.version_id}"
        )
    if "return=minimal" in request.headers.get("prefer", ""):
        return Response(status_code=status, headers=headers)
    return json_response(version.resource, status, headers)
