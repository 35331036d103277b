"""OperationOutcome bodies: the one renderer for every error the EHR answers with."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from starlette.responses import Response

from simulators._shared.errors import SimulatorError
from simulators.ehr.errors import FhirError, Issue

FHIR_JSON: Final = "application/fhir+json"

_CODE_BY_STATUS: Final = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    422: "invalid",
    429: "throttled",
}


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    """An R4 OperationOutcome with one entry per issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [_issue(issue) for issue in issues],
    }


def issues_of(exc: SimulatorError) -> tuple[Issue, ...]:
    if isinstance(exc, FhirError):
        return exc.issues
    code = _CODE_BY_STATUS.get(exc.status, "transient" if exc.status >= 500 else "processing")
    return (Issue(code, exc.message),)


def render(exc: SimulatorError) -> Response:
    """``exc`` as an OperationOutcome with its status and headers."""
    body = json.dumps(operation_outcome(issues_of(exc)), ensure_ascii=False)
    return Response(body, status_code=exc.status, headers=exc.headers(), media_type=FHIR_JSON)


def _issue(issue: Issue) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "severity": issue.severity,
        "code": issue.code,
        "diagnostics": issue.diagnostics,
    }
    if issue.expression:
        entry["expression"] = list(issue.expression)
    return entry
