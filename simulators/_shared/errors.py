"""Errors shared by every simulator; each one maps to an HTTP status.

The tree::

    SimulatorError                    status 500, code "internal"
    ├── BadRequest                    400 "bad_request" (malformed request; the caller's fault)
    │   └── Unprocessable             422 "unprocessable" (well-formed but invalid content)
    │       ├── InvalidField          422 "invalid_field" (.field: the path of the bad field)
    │       └── IdempotencyKeyReused  422 "idempotency_key_reused"
    ├── Unauthenticated               401 "unauthenticated" (no or unknown bearer key)
    ├── Forbidden                     403 "forbidden" (the client's role may not do this)
    ├── NotFound                      404 "not_found"
    │   └── RecordNotFound            404 "record_not_found"
    ├── Conflict                      409 "conflict"
    │   ├── ClockWentBackwards        409 "clock_backwards" (a SimClock never moves back)
    │   └── IdempotencyInFlight       409 "idempotency_in_flight"
    ├── PreconditionFailed            412 "precondition_failed" (If-Match did not match)
    │   └── StaleVersion              412 "stale_version" (record, expected, current)
    ├── PreconditionRequired          428 "if_match_required" (blind writes refused)
    ├── RateLimited                   429 "rate_limited" with Retry-After (a client's budget)
    ├── InjectedFault                 a fault from the fault plan, never a real failure
    │   ├── InjectedRateLimit         429 "rate_limited" with Retry-After
    │   ├── InjectedServerError       5xx "injected_error"
    │   └── ConnectionDropped         raised after the reply started: the connection is cut
    └── ConfigurationError            500 "configuration" (bad settings or a bad fault plan)

Simulators subclass these (the EHR's ``FhirError`` tree, the CRM's errors) and register one
renderer that turns any ``SimulatorError`` into their protocol's body; ``details()`` is what an
error adds to a body beyond code and message (``record_errors.record_error`` uses it). The
record errors (``InvalidField`` ... ``RateLimited``) belong to the versioned record tables
(``records.py``) and the request gate (``gate.py``) that the CRM and the portal share. Messages
name ids, tokens and field names, never a PHI value.
"""

# ruff: noqa: N818  (HTTP-status names read better than FooError; httpx does the same)
from __future__ import annotations

from typing import Any


class SimulatorError(Exception):
    """Base of every error a simulator raises on purpose."""

    status: int = 500
    code: str = "internal"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def headers(self) -> dict[str, str]:
        """Extra response headers this error carries (e.g. Retry-After)."""
        return {}

    def details(self) -> dict[str, Any]:
        """Extra body fields this error carries (e.g. the current version); no PHI."""
        return {}


class BadRequest(SimulatorError):
    status = 400
    code = "bad_request"


class Unprocessable(BadRequest):
    status = 422
    code = "unprocessable"


class InvalidField(Unprocessable):
    """A field's content breaks a rule; ``field`` is its path (``consents.HMARKT.sms``)."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


class Unauthenticated(SimulatorError):
    status = 401
    code = "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="simulator"'}


class Forbidden(SimulatorError):
    status = 403
    code = "forbidden"


class NotFound(SimulatorError):
    status = 404
    code = "not_found"


class RecordNotFound(NotFound):
    code = "record_not_found"


class Conflict(SimulatorError):
    status = 409
    code = "conflict"


class ClockWentBackwards(Conflict):
    code = "clock_backwards"


class IdempotencyInFlight(Conflict):
    code = "idempotency_in_flight"


class PreconditionFailed(SimulatorError):
    status = 412
    code = "precondition_failed"


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

    def details(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "expected_version": self.expected,
            "current_version": self.current,
        }


class PreconditionRequired(SimulatorError):
    status = 428
    code = "if_match_required"


class RateLimited(SimulatorError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def details(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class InjectedFault(SimulatorError):
    """A failure the fault plan asked for; the simulator itself is healthy."""

    code = "injected_fault"


class InjectedRateLimit(InjectedFault):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InjectedServerError(InjectedFault):
    status = 503
    code = "injected_error"


class ConnectionDropped(InjectedFault):
    """Raised after the response started, so the server cuts the connection mid-reply.

    Over a port the client sees a protocol error (httpx ``RemoteProtocolError``); in-process
    through ``httpx.ASGITransport`` the client sees this exception itself.
    """

    code = "connection_dropped"


class ConfigurationError(SimulatorError):
    code = "configuration"
