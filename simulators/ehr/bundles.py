"""Bundles the EHR answers with: searchset (with paging links) and history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlencode

from simulators.ehr.search import SearchQuery
from simulators.ehr.versions import Version

_STATUS_BY_METHOD: Final = {"POST": "201 Created", "PUT": "200 OK", "DELETE": "204 No Content"}


def searchset(query: SearchQuery, found: Sequence[Version], base: str) -> dict[str, Any]:
    """One page of ``found`` (``_count`` from ``_offset``), with self/next/previous links."""
    page = [] if query.summary_count else found[query.offset : query.offset + query.count]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": _links(f"{base}/{query.resource_type}", query.pairs, query, len(found)),
        "entry": [
            {
                "fullUrl": f"{base}/{v.reference}",
                "resource": v.resource,
                "search": {"mode": "match"},
            }
            for v in page
        ],
    }


def history(
    versions: Sequence[Version], base: str, url: str, *, count: int, offset: int
) -> dict[str, Any]:
    """A history Bundle (newest first) of one page of ``versions``."""
    page = versions[offset : offset + count]
    pairs = [("_count", str(count))]
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(versions),
        "link": _links(url, pairs, None, len(versions), count=count, offset=offset),
        "entry": [_history_entry(v, base) for v in page],
    }


def response_fields(version: Version) -> dict[str, str]:
    """The ``Bundle.entry.response`` location, etag and lastModified of a version."""
    return {
        "location": f"{version.reference}/_history/{version.version_id}",
        "etag": version.etag,
        "lastModified": version.last_updated.isoformat(),
    }


def _history_entry(version: Version, base: str) -> dict[str, Any]:
    url = version.resource_type if version.method == "POST" else version.reference
    entry: dict[str, Any] = {
        "fullUrl": f"{base}/{version.reference}",
        "request": {"method": version.method, "url": url},
        "response": {
            "status": _STATUS_BY_METHOD.get(version.method, "200 OK"),
            **response_fields(version),
        },
    }
    if version.resource is not None:
        entry["resource"] = version.resource
    return entry


def _links(
    url: str,
    pairs: Sequence[tuple[str, str]],
    query: SearchQuery | None,
    total: int,
    *,
    count: int | None = None,
    offset: int | None = None,
) -> list[dict[str, str]]:
    count = query.count if query is not None else count or 0
    offset = query.offset if query is not None else offset or 0
    kept = [(k, v) for k, v in pairs if k not in ("_count", "_offset")]

    def page(at: int) -> str:
        return f"{url}?{urlencode([*kept, ('_count', str(count)), ('_offset', str(at))])}"

    links = [{"relation": "self", "url": page(offset)}]
    if count and offset + count < total:
        links.append({"relation": "next", "url": page(offset + count)})
    if count and offset > 0:
        links.append({"relation": "previous", "url": page(max(0, offset - count))})
    return links
