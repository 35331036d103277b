"""The error body of the record APIs (CRM, portal): ``{"error": {"code", "message", ...}}``.

One renderer for every ``SimulatorError``: the code, the message (ids, fields and the fix;
never a PHI value), ``field`` when the error names one, and whatever the error's ``details()``
adds (``StaleVersion``: the versions; ``RateLimited``: ``retry_after``), with the error's
status and headers. FastAPI's own validation errors become ``InvalidField`` naming the first
bad field::

    app = build_app(runtime, ..., render=record_error,
                    error_handlers={RequestValidationError: record_validation_handler})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

from simulators._shared.errors import InvalidField, SimulatorError

__all__ = ["invalid_field", "record_error", "record_validation_handler"]


def record_error(exc: SimulatorError) -> Response:
    """``{"error": {"code", "message", "field"?, ...details}}`` with the error's status."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        body["field"] = field
    body.update(exc.details())
    return JSONResponse({"error": body}, status_code=exc.status, headers=exc.headers())


def invalid_field(exc: RequestValidationError) -> InvalidField:
    """FastAPI's validation error as ``InvalidField`` naming the first bad field (no values)."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field_path(first["loc"])
    others = len(errors) - 1
    more = f" ({others} more problem(s) in this request)" if others > 0 else ""
    return InvalidField(
        field, f"field '{field}': {first['msg']}; send a value of the documented form{more}"
    )


async def record_validation_handler(request: Request, exc: Exception) -> Response:
    """Registered for ``RequestValidationError``: the body names the field."""
    assert isinstance(exc, RequestValidationError)
    return record_error(invalid_field(exc))


def _field_path(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"
