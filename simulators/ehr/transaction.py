"""Transaction and batch Bundles (POST [base]).

A transaction runs in one store session: entries are processed DELETE, POST, PUT, GET (FHIR's
order), ``urn:uuid:`` references to entries being created are rewritten to the ids the server
assigns, and any failure undoes the whole Bundle; the error names the failing entry. A batch
runs each entry in its own session and reports each outcome in its response entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final
from urllib.parse import parse_qsl

from simulators._shared.errors import SimulatorError
from simulators._shared.history import OpContext
from simulators.ehr.bundles import response_fields, searchset
from simulators.ehr.errors import FhirBadRequest, FhirError, Issue
from simulators.ehr.outcome import issues_of, operation_outcome
from simulators.ehr.search import parse_query
from simulators.ehr.session import Session
from simulators.ehr.store import FhirStore
from simulators.ehr.versions import Version

_ORDER: Final = {"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3}


def process_bundle(
    store: FhirStore, ctx: OpContext, bundle: dict[str, Any], base: str
) -> dict[str, Any]:
    """Run a transaction or batch Bundle and return the response Bundle."""
    kind = bundle.get("type")
    if bundle.get("resourceType") != "Bundle" or kind not in ("transaction", "batch"):
        raise FhirBadRequest.at(
            "Bundle.type", "POST to the base takes a Bundle of type 'transaction' or 'batch'"
        )
    entries = bundle.get("entry") or []
    for index, entry in enumerate(entries):
        _request_of(index, entry)
    if kind == "batch":
        responses = [_batch_entry(store, ctx, i, e, base) for i, e in enumerate(entries)]
    else:
        with store.session(ctx) as session:
            responses = _transaction(session, entries, base)
    return {"resourceType": "Bundle", "type": f"{kind}-response", "entry": responses}


def _transaction(
    session: Session, entries: list[dict[str, Any]], base: str
) -> list[dict[str, Any]]:
    ids = _assign_ids(session, entries)
    results: dict[int, dict[str, Any]] = {}
    order = sorted(range(len(entries)), key=lambda i: _ORDER[_request_of(i, entries[i])[0]])
    for index in order:
        entry = _rewrite(entries[index], ids)
        results[index] = _at(index, partial(_execute, session, entry, base, ids, index))
    return [results[i] for i in range(len(entries))]


def _batch_entry(
    store: FhirStore, ctx: OpContext, index: int, entry: dict[str, Any], base: str
) -> dict[str, Any]:
    try:
        with store.session(ctx) as session:
            ids = _assign_ids(session, [entry])
            return _execute(session, _rewrite(entry, ids), base, ids, 0)
    except SimulatorError as exc:
        return {
            "response": {"status": str(exc.status), "outcome": operation_outcome(issues_of(exc))}
        }


def _assign_ids(session: Session, entries: list[dict[str, Any]]) -> dict[str, str]:
    """Map each created entry's fullUrl to ``Type/id`` (the existing one for a matched
    conditional create, a reserved id otherwise)."""
    ids: dict[str, str] = {}
    for index, entry in enumerate(entries):
        method, url = _request_of(index, entry)
        full_url = entry.get("fullUrl")
        if method != "POST" or not isinstance(full_url, str):
            continue
        condition = entry["request"].get("ifNoneExist")
        found = session.find(url, parse_qsl(condition)) if condition else []
        chosen = found[0].id if len(found) == 1 else session.reserve_id(url)
        ids[full_url] = f"{url}/{chosen}"
    return ids


def _execute(
    session: Session, entry: dict[str, Any], base: str, ids: dict[str, str], index: int
) -> dict[str, Any]:
    method, url = _request_of(index, entry)
    request, body = entry["request"], entry.get("resource") or {}
    path, _, query = url.partition("?")
    resource_type, _, resource_id = path.partition("/")
    if method == "DELETE":
        session.delete(resource_type, resource_id, if_match=request.get("ifMatch"))
        return {"response": {"status": "204 No Content"}}
    if method == "POST":
        reserved = ids.get(str(entry.get("fullUrl")), "").partition("/")[2] or None
        condition = parse_qsl(request.get("ifNoneExist") or "")
        version, created = session.create(
            resource_type, body, if_none_exist=condition, resource_id=reserved
        )
        return _written(version, created)
    if method == "PUT":
        if query:
            version, created = session.conditional_update(
                resource_type, parse_qsl(query), body, if_match=request.get("ifMatch")
            )
        else:
            version, created = session.update(
                resource_type, resource_id, body, if_match=request.get("ifMatch")
            )
        return _written(version, created)
    if resource_id:
        version = session.read(resource_type, resource_id)
        return {
            "resource": version.resource,
            "response": {"status": "200 OK", **response_fields(version)},
        }
    found = session.search(parse_query(resource_type, parse_qsl(query)))
    bundle = searchset(parse_query(resource_type, parse_qsl(query)), found, base)
    return {"resource": bundle, "response": {"status": "200 OK"}}


def _written(version: Version, created: bool) -> dict[str, Any]:
    status = "201 Created" if created else "200 OK"
    return {
        "resource": version.resource,
        "response": {"status": status, **response_fields(version)},
    }


def _request_of(index: int, entry: Any) -> tuple[str, str]:
    request = entry.get("request") if isinstance(entry, dict) else None
    method = request.get("method") if isinstance(request, dict) else None
    url = request.get("url") if isinstance(request, dict) else None
    if method not in _ORDER or not isinstance(url, str) or not url:
        path = f"Bundle.entry[{index}].request"
        raise FhirBadRequest.at(
            path, f"{path} needs method (GET, POST, PUT or DELETE) and url", code="required"
        )
    return str(method), url


def _rewrite(entry: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    if not ids or "resource" not in entry:
        return entry
    return {**entry, "resource": _replace_refs(entry["resource"], ids)}


def _replace_refs(node: Any, ids: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: ids.get(v, v) if k == "reference" and isinstance(v, str) else _replace_refs(v, ids)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_replace_refs(item, ids) for item in node]
    return node


def _at(index: int, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one transaction entry; a failure names the entry and the paths inside it."""
    try:
        return step()
    except FhirError as exc:
        prefix = f"Bundle.entry[{index}]"
        issues = [
            Issue(
                i.code,
                f"{prefix}: {i.diagnostics}",
                tuple(_inside(prefix, e) for e in i.expression),
                i.severity,
            )
            for i in exc.issues
        ]
        raise type(exc)(f"{prefix}: {exc.message}", issues=issues) from exc


def _inside(prefix: str, expression: str) -> str:
    """``Patient.name[0]`` inside entry 2 -> ``Bundle.entry[2].resource.name[0]``."""
    head, dot, rest = expression.partition(".")
    return f"{prefix}.resource.{rest}" if dot and head[:1].isupper() else f"{prefix}.{expression}"
