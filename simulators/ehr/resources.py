"""The resource types the EHR serves, and their validation against the R4B models.

``validate`` runs ``fhir.resources.R4B`` (pydantic) plus a few rules those models leave out
(required code bindings such as ``Patient.gender``, and ele-1: no empty elements), and turns
every problem into an ``Issue`` whose expression is a FHIRPath-like path. A valid resource
skips the (slow) R4B model: ``conformance.conforms`` proves first, about ten times faster, that
the model would accept it; anything it cannot prove goes to the model, which names the problem::

    validate("Patient", {"resourceType": "Patient", "birthDate": "1980-13-45"})
    # FhirInvalid: issue expression ["Patient.birthDate"], code "value"
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

import orjson
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.subscription import Subscription
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from simulators.ehr.conformance import conforms
from simulators.ehr.errors import FhirBadRequest, FhirInvalid, Issue, ResourceNotFound

MODELS: Final[Mapping[str, Any]] = {
    "Patient": Patient,
    "Practitioner": Practitioner,
    "Encounter": Encounter,
    "Condition": Condition,
    "MedicationRequest": MedicationRequest,
    "Consent": Consent,
    "QuestionnaireResponse": QuestionnaireResponse,
    "DocumentReference": DocumentReference,
    "Task": Task,
    "AuditEvent": AuditEvent,
    "Subscription": Subscription,
}
RESOURCE_TYPES: Final = tuple(MODELS)

_BINDINGS: Final[Mapping[str, frozenset[str]]] = {
    "gender": frozenset({"male", "female", "other", "unknown"}),
    "telecom.system": frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"}),
    "telecom.use": frozenset({"home", "work", "temp", "old", "mobile"}),
    "name.use": frozenset({"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"}),
    "link.type": frozenset({"replaced-by", "replaces", "refer", "seealso"}),
}
_BOUND_TYPES: Final = frozenset({"Patient", "Practitioner"})

_ISSUE_BY_ERROR: Final = {
    "extra_forbidden": "structure",
    "missing": "required",
    "model_field_validation.missing": "required",
}


def require_type(resource_type: str) -> None:
    """Raise ``ResourceNotFound`` (404) for a type this server does not serve."""
    if resource_type not in MODELS:
        raise ResourceNotFound(
            f"resource type {resource_type!r} is not served here; supported: "
            f"{', '.join(RESOURCE_TYPES)}"
        )


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or ``FhirBadRequest``."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirBadRequest(
            f"request body is not valid JSON (line {getattr(exc, 'lineno', '?')}, column "
            f"{getattr(exc, 'colno', '?')}); send a FHIR resource as application/fhir+json"
        ) from None
    if not isinstance(body, dict):
        raise FhirBadRequest("request body must be a JSON object (a FHIR resource)")
    return body


def validate(resource_type: str, body: Mapping[str, Any]) -> None:
    """Check ``body`` is a valid ``resource_type``; raise with every problem found."""
    found = body.get("resourceType")
    if found != resource_type:
        message = f"resourceType is {found!r} but this endpoint takes {resource_type!r}"
        raise FhirBadRequest.at("resourceType", message)
    issues = list(_empty_elements(resource_type, body)) if _has_empty(body) else []
    model = MODELS[resource_type]
    if issues or not conforms(model, body):  # the mirror passes only what the model passes
        try:
            model.model_validate(body)
        except ValidationError as exc:
            issues.extend(_translate(resource_type, exc))
    if resource_type in _BOUND_TYPES:
        issues.extend(_binding_issues(resource_type, body))
    if issues:
        paths = ", ".join(expr for issue in issues for expr in issue.expression)
        raise FhirInvalid(f"{resource_type} failed validation at {paths}", issues=issues)


def fhir_path(resource_type: str, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a FHIRPath-like path: ``Patient.name[0].given[1]``."""
    parts = [resource_type]
    for part in loc:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts)


def _translate(resource_type: str, exc: ValidationError) -> Iterator[Issue]:
    for error in exc.errors(include_input=False, include_url=False):
        path = fhir_path(resource_type, tuple(error["loc"]))
        code = _ISSUE_BY_ERROR.get(error["type"], "value")
        message = "unknown element" if error["type"] == "extra_forbidden" else error["msg"]
        yield Issue(code, f"{path}: {message}", (path,))


def _binding_issues(resource_type: str, body: Mapping[str, Any]) -> Iterator[Issue]:
    for binding, allowed in _BINDINGS.items():
        element, _, child = binding.partition(".")
        value = body.get(element)
        if not child:
            if isinstance(value, str) and value not in allowed:
                path = f"{resource_type}.{element}"
                yield Issue("code-invalid", _binding_message(path, allowed), (path,))
            continue
        for index, item in enumerate(value if isinstance(value, list) else ()):
            code = item.get(child) if isinstance(item, dict) else None
            if isinstance(code, str) and code not in allowed:
                path = f"{resource_type}.{element}[{index}].{child}"
                yield Issue("code-invalid", _binding_message(path, allowed), (path,))


def _binding_message(path: str, allowed: frozenset[str]) -> str:
    return f"{path}: code is not in the required value set ({', '.join(sorted(allowed))})"


def _has_empty(body: Mapping[str, Any]) -> bool:
    """Fast pre-check for ele-1 (paths are only built when something is empty).

    Every empty element shows in the compact JSON as ``""``, ``[]``, ``{}`` or ``null``, so a
    body whose JSON holds none of them has none (orjson writes it in a few microseconds). A
    body that does (``""`` also appears inside an escaped string) is walked to be sure.
    """
    try:
        text = orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError: not plain JSON data; walk it
        return _has_empty_node(body)
    if b'""' in text or b"[]" in text or b"{}" in text or b"null" in text:
        return _has_empty_node(body)
    return False


def _has_empty_node(node: object) -> bool:
    children = node.values() if type(node) is dict else node if type(node) is list else ()
    for child in children:
        kind = type(child)
        if kind is dict or kind is list:
            if not child or _has_empty_node(child):
                return True
        elif child is None or (kind is str and not child):
            return True
    return False


def _empty_elements(path: str, node: object) -> Iterator[Issue]:
    """ele-1: every element has a value or children (no {}, [], "" or null)."""
    if isinstance(node, dict):
        items: Iterator[tuple[str, object]] = ((f"{path}.{k}", v) for k, v in node.items())
    elif isinstance(node, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(node))
    else:
        return
    for child_path, child in items:
        if child is None or child in ("", {}, []):
            yield Issue(
                "invalid",
                f"{child_path}: empty element; omit it or give it a value (ele-1)",
                (child_path,),
            )
        else:
            yield from _empty_elements(child_path, child)
