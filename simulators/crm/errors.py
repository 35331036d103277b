"""The CRM's errors, and the one renderer that turns any simulator error into a CRM body.

Every error body is ``{"error": {"code", "message", "field"?, ...details}}``: the message names
the record id or token, the rule and the fix, never a PHI value. The tree (shared bases from
``simulators._shared.errors``)::

    SimulatorError
    ├── Unprocessable                         422
    │   ├── InvalidField                      422 "invalid_field" (.field)
    │   │   ├── NotAToken                     422 "patient_ref_not_token"
    │   │   └── MrnNotAllowed                 422 "mrn_not_allowed"
    │   └── IdempotencyKeyReused              422 "idempotency_key_reused"
    ├── RecordNotFound (NotFound)             404 "record_not_found"
    ├── Conflict                              409
    │   ├── IdempotencyInFlight               409 "idempotency_in_flight"
    │   └── ConsentDenied                     409 "consent_denied" (.field)
    ├── StaleVersion (PreconditionFailed)     412 "stale_version" (record, expected, current)
    ├── PreconditionRequired                  428 "if_match_required"
    ├── MultipleMatches                       300 "multiple_matches" (candidates)
    └── RateLimited                           429 "rate_limited" with Retry-After

The portal renders with the same function (its bodies have the same shape).
"""

# ruff: noqa: N818  (HTTP-status names read better than FooError, as in simulators._shared)
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

from simulators._shared import (
    Conflict,
    NotFound,
    PreconditionFailed,
    SimulatorError,
    Unprocessable,
)

__all__ = [
    "ConsentDenied",
    "IdempotencyInFlight",
    "IdempotencyKeyReused",
    "InvalidField",
    "MrnNotAllowed",
    "MultipleMatches",
    "NotAToken",
    "PreconditionRequired",
    "RateLimited",
    "RecordNotFound",
    "StaleVersion",
    "crm_error",
    "validation_handler",
]


class InvalidField(Unprocessable):
    """A field's content breaks a rule; ``field`` is its path (``consents.HMARKT.sms``)."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAToken(InvalidField):
    code = "patient_ref_not_token"


class MrnNotAllowed(InvalidField):
    code = "mrn_not_allowed"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


class RecordNotFound(NotFound):
    code = "record_not_found"


class IdempotencyInFlight(Conflict):
    code = "idempotency_in_flight"


class ConsentDenied(Conflict):
    code = "consent_denied"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StaleVersion(PreconditionFailed):
    code = "stale_version"

    def __init__(self, record: str, *, expected: int, current: int) -> None:
        super().__init__(
            f"{record} is at version {current}, but If-Match named version {expected}; read "
            f"{record} again and retry with If-Match: {current}"
        )
        self.record = record
        self.expected = expected
        self.current = current


class PreconditionRequired(SimulatorError):
    status = 428
    code = "if_match_required"


class MultipleMatches(SimulatorError):
    status = 300
    code = "multiple_matches"

    def __init__(self, message: str, *, candidates: Sequence[str]) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


class RateLimited(SimulatorError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def _details(exc: SimulatorError) -> dict[str, Any]:
    if isinstance(exc, StaleVersion):
        return {
            "record": exc.record,
            "expected_version": exc.expected,
            "current_version": exc.current,
        }
    if isinstance(exc, MultipleMatches):
        return {"candidates": exc.candidates}
    if isinstance(exc, RateLimited):
        return {"retry_after": exc.retry_after}
    return {}


def crm_error(exc: SimulatorError) -> Response:
    """``{"error": {"code", "message", "field"?, ...}}`` with the error's status and headers."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    field = getattr(exc, "field", None)
    if isinstance(field, str):
        body["field"] = field
    body.update(_details(exc))
    return JSONResponse({"error": body}, status_code=exc.status, headers=exc.headers())


def _field_path(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_error(exc: RequestValidationError) -> InvalidField:
    """FastAPI's validation error as ``InvalidField`` naming the first bad field (no values)."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field_path(first["loc"])
    others = len(errors) - 1
    more = f" ({others} more problem(s) in this request)" if others > 0 else ""
    return InvalidField(
        field, f"field '{field}': {first['msg']}; send a value of the documented form{more}"
    )


async def validation_handler(request: Request, exc: Exception) -> Response:
    """Registered for ``RequestValidationError``: the body names the field."""
    assert isinstance(exc, RequestValidationError)
    return crm_error(validation_error(exc))
