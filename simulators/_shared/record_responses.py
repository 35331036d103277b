"""Record responses: the JSON record with its version as a strong ``ETag``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["etag", "record_response"]


def etag(version: int) -> str:
    return f'"{version}"'


def record_response(
    record: Mapping[str, Any], status: int = 200, *, location: str | None = None
) -> JSONResponse:
    headers = {"ETag": etag(int(record["version"]))}
    if location is not None:
        headers["Location"] = location
    return JSONResponse(dict(record), status_code=status, headers=headers)
