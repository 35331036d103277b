"""The CRM's own errors; every body is rendered by ``simulators._shared.record_errors``.

The shared record errors (``InvalidField``, ``RecordNotFound``, ``StaleVersion``,
``PreconditionRequired``, ``RateLimited``, the idempotency errors) live in
``simulators._shared.errors`` with the CRM and the portal's common machinery. The CRM adds::

    SimulatorError
    ├── InvalidField (Unprocessable)          422 "invalid_field" (.field)
    │   ├── NotAToken                         422 "patient_ref_not_token"
    │   └── MrnNotAllowed                     422 "mrn_not_allowed"
    ├── ConsentDenied (Conflict)              409 "consent_denied" (.field)
    └── MultipleMatches                       300 "multiple_matches" (candidates)

Messages name the record id or token, the rule and the fix, never a PHI value.
"""

# ruff: noqa: N818  (HTTP-status names read better than FooError, as in simulators._shared)
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulators._shared.errors import Conflict, InvalidField, SimulatorError

__all__ = ["ConsentDenied", "MrnNotAllowed", "MultipleMatches", "NotAToken"]


class NotAToken(InvalidField):
    code = "patient_ref_not_token"


class MrnNotAllowed(InvalidField):
    code = "mrn_not_allowed"


class ConsentDenied(Conflict):
    code = "consent_denied"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class MultipleMatches(SimulatorError):
    status = 300
    code = "multiple_matches"

    def __init__(self, message: str, *, candidates: Sequence[str]) -> None:
        super().__init__(message)
        self.candidates = list(candidates)

    def details(self) -> dict[str, Any]:
        return {"candidates": self.candidates}
