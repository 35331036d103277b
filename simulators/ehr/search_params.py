"""The search parameters each resource type supports, and how a value is read from a resource.

Kinds follow FHIR: ``string`` (name, family, given), ``token`` (identifier, phone, email,
telecom, gender, status, active, _id), ``date`` (birthdate, _lastUpdated), ``reference``
(patient, subject). Phone values match exactly as stored (a real EHR does not normalize them:
``(555) 010-1234`` does not find ``+1-555-010-1234``); emails match case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from simulators.ehr.versions import Version

Token = tuple[str | None, str]  # (system, code)


@dataclass(frozen=True, slots=True)
class SearchParam:
    name: str
    kind: str  # string | token | date | reference
    extract: Callable[[Version], Iterator[Any]]


def walk(node: object, path: tuple[str, ...]) -> Iterator[Any]:
    """Leaf values at ``path``, flattening lists at every step."""
    if isinstance(node, list):
        for item in node:
            yield from walk(item, path)
        return
    if not path:
        if node is not None:
            yield node
        return
    if isinstance(node, dict):
        yield from walk(node.get(path[0]), path[1:])


def _body(version: Version) -> dict[str, Any]:
    return version.resource or {}


def _strings(*paths: str) -> Callable[[Version], Iterator[Any]]:
    split = [tuple(p.split(".")) for p in paths]

    def extract(version: Version) -> Iterator[Any]:
        for path in split:
            yield from (v for v in walk(_body(version), path) if isinstance(v, str))

    return extract


def _codes(path: str) -> Callable[[Version], Iterator[Any]]:
    parts = tuple(path.split("."))

    def extract(version: Version) -> Iterator[Token]:
        for value in walk(_body(version), parts):
            if isinstance(value, bool):
                yield (None, "true" if value else "false")
            elif isinstance(value, str):
                yield (None, value)

    return extract


def _identifiers(version: Version) -> Iterator[Token]:
    for identifier in walk(_body(version), ("identifier",)):
        if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
            yield (identifier.get("system"), identifier["value"])


def _telecom(system: str | None) -> Callable[[Version], Iterator[Any]]:
    def extract(version: Version) -> Iterator[Token]:
        for point in walk(_body(version), ("telecom",)):
            if not isinstance(point, dict) or not isinstance(point.get("value"), str):
                continue
            if system is None or point.get("system") == system:
                value = point["value"].casefold() if system == "email" else point["value"]
                yield (point.get("system"), value)

    return extract


def _own_id(version: Version) -> Iterator[Token]:
    yield (None, version.id)


def _last_updated(version: Version) -> Iterator[Any]:
    yield version.last_updated


def _references(*paths: str) -> Callable[[Version], Iterator[Any]]:
    split = [tuple(p.split(".")) for p in paths]

    def extract(version: Version) -> Iterator[str]:
        for path in split:
            yield from (v for v in walk(_body(version), path) if isinstance(v, str))

    return extract


def _params(*params: SearchParam) -> dict[str, SearchParam]:
    return {param.name: param for param in params}


_COMMON: Final = _params(
    SearchParam("_id", "token", _own_id),
    SearchParam("_lastUpdated", "date", _last_updated),
    SearchParam("identifier", "token", _identifiers),
)
_PERSON: Final = _params(
    SearchParam(
        "name",
        "string",
        _strings("name.text", "name.family", "name.given", "name.prefix", "name.suffix"),
    ),
    SearchParam("family", "string", _strings("name.family")),
    SearchParam("given", "string", _strings("name.given")),
    SearchParam("birthdate", "date", _strings("birthDate")),
    SearchParam("gender", "token", _codes("gender")),
    SearchParam("active", "token", _codes("active")),
    SearchParam("phone", "token", _telecom("phone")),
    SearchParam("email", "token", _telecom("email")),
    SearchParam("telecom", "token", _telecom(None)),
)
_STATUS: Final = _params(SearchParam("status", "token", _codes("status")))


def _clinical(*patient_paths: str) -> dict[str, SearchParam]:
    return {
        **_STATUS,
        **_params(
            SearchParam("patient", "reference", _references(*patient_paths)),
            SearchParam("subject", "reference", _references(*patient_paths)),
        ),
    }


PARAMS: Final[Mapping[str, Mapping[str, SearchParam]]] = {
    "Patient": {
        **_COMMON,
        **_PERSON,
        **_params(SearchParam("link", "reference", _references("link.other.reference"))),
    },
    "Practitioner": {**_COMMON, **_PERSON},
    "Encounter": {**_COMMON, **_clinical("subject.reference")},
    "Condition": {**_COMMON, **_clinical("subject.reference")},
    "MedicationRequest": {**_COMMON, **_clinical("subject.reference")},
    "Consent": {**_COMMON, **_clinical("patient.reference")},
    "QuestionnaireResponse": {**_COMMON, **_clinical("subject.reference")},
    "DocumentReference": {**_COMMON, **_clinical("subject.reference")},
    "Task": {**_COMMON, **_clinical("for.reference")},
    "AuditEvent": {
        **_COMMON,
        **_params(SearchParam("patient", "reference", _references("entity.what.reference"))),
    },
    "Subscription": {**_COMMON, **_STATUS},
}

RESULT_PARAMS: Final = frozenset({"_count", "_offset", "_sort", "_summary"})
IGNORED_PARAMS: Final = frozenset({"_total", "_totalMethod", "_format", "_pretty"})
