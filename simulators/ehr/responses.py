"""HTTP helpers for the FHIR routes: bodies in, resources out with ETag and Location."""

from __future__ import annotations

from email.utils import format_datetime
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators._shared.history import OpContext
from simulators._shared.middleware import request_state
from simulators.ehr.encoding import encode_json
from simulators.ehr.outcome import FHIR_JSON
from simulators.ehr.resources import parse_body
from simulators.ehr.versions import Version


def fhir_base(request: Request) -> str:
    """The FHIR base URL as the client reached it, e.g. ``http://127.0.0.1:8001/fhir``."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    server = scope.get("server")
    return _fhir_base(
        scope.get("scheme", "http"),
        None if server is None else tuple(server),
        host,
        scope.get("app_root_path"),
        scope.get("root_path", ""),
    )


@lru_cache(maxsize=256)
def _fhir_base(
    scheme: str,
    server: tuple[str, int] | None,
    host: bytes | None,
    app_root_path: str | None,
    root_path: str,
) -> str:
    """Starlette's ``request.base_url`` (which depends on these alone), computed once."""
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "headers": [] if host is None else [(b"host", host)],
        "path": "/",
        "query_string": b"",
        "root_path": root_path,
    }
    if app_root_path is not None:
        scope["app_root_path"] = app_root_path
    return f"{str(Request(scope).base_url).rstrip('/')}/fhir"


def context(request: Request) -> OpContext:
    return request_state(request).context


async def body_of(request: Request) -> dict[str, Any]:
    return parse_body(await request.body())


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(encode_json(body), status_code=status, headers=headers, media_type=FHIR_JSON)


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
    return Response(version.json(), status_code=status, headers=headers, media_type=FHIR_JSON)
