"""Errors of the EHR's FHIR side; each becomes an OperationOutcome (``outcome.py``).

The tree (each also inherits the ``simulators._shared.errors`` class that gives its status)::

    FhirError (SimulatorError)             an issue list: severity, code, diagnostics, expression
    ├── FhirBadRequest (BadRequest)        400 invalid: not JSON, not a resource, wrong type,
    │                                          unknown search parameter, a bad Bundle
    ├── FhirInvalid (Unprocessable)        422 invalid/structure/required/value: the resource
    │                                          fails R4 validation; each issue names its path
    ├── ResourceNotFound (NotFound)        404 not-found: unknown resource type, id or version
    │   └── UnknownIdentifier (+KeyError)  404: no Patient holds a (system, value) identifier
    ├── ResourceGone                       410 deleted: the resource (or version) was deleted
    ├── InteractionNotSupported            405 not-supported: e.g. PATCH
    ├── VersionConflict (PreconditionFailed) 412 conflict: If-Match names another version
    └── MultipleMatches (PreconditionFailed) 412 multiple-matches: conditional criteria matched >1

Diagnostics name resource types, ids, versions, element paths and parameter names, never an
element's value (no PHI).
"""

# ruff: noqa: N818  (HTTP-status names, as in simulators._shared.errors)
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from simulators._shared.errors import (
    BadRequest,
    NotFound,
    PreconditionFailed,
    SimulatorError,
    Unprocessable,
)


@dataclass(frozen=True, slots=True)
class Issue:
    """One OperationOutcome.issue: ``code`` from the FHIR IssueType value set."""

    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"


class FhirError(SimulatorError):
    """A FHIR failure with its OperationOutcome issues."""

    issue_code = "processing"

    def __init__(self, message: str, *, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.issues: tuple[Issue, ...] = tuple(issues) or (Issue(self.issue_code, message),)

    @classmethod
    def at(cls, path: str, message: str, *, code: str | None = None) -> Self:
        """An error with one issue whose expression is ``path``."""
        return cls(message, issues=[Issue(code or cls.issue_code, message, (path,))])


class FhirBadRequest(FhirError, BadRequest):
    issue_code = "invalid"


class FhirInvalid(FhirError, Unprocessable):
    issue_code = "invalid"


class ResourceNotFound(FhirError, NotFound):
    issue_code = "not-found"


class UnknownIdentifier(ResourceNotFound, KeyError):
    """A Patient identifier nobody holds; a ``KeyError`` too, for mapping-style callers."""

    def __str__(self) -> str:
        return self.message


class ResourceGone(FhirError):
    status = 410
    code = "gone"
    issue_code = "deleted"


class InteractionNotSupported(FhirError):
    status = 405
    code = "not_supported"
    issue_code = "not-supported"


class VersionConflict(FhirError, PreconditionFailed):
    issue_code = "conflict"


class MultipleMatches(FhirError, PreconditionFailed):
    code = "multiple_matches"
    issue_code = "multiple-matches"
