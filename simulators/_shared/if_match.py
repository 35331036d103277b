"""``If-Match`` on the record APIs: a record version, as ``3``, ``"3"`` or ``W/"3"``.

>>> parse_if_match('W/"3"'), parse_if_match(None)
(3, None)

A route takes it as a parameter: ``async def update(..., if_match: IfMatch)``; a malformed
header is a 422 naming ``If-Match``.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import Depends, Header

from simulators._shared.errors import InvalidField

__all__ = ["IfMatch", "parse_if_match"]

_VERSION: Final = re.compile(r'(?:W/)?"?(\d{1,18})"?')


def parse_if_match(value: str | None) -> int | None:
    """``3``, ``"3"`` or ``W/"3"`` -> 3; absent -> None; anything else is a 422 naming If-Match."""
    if value is None:
        return None
    found = _VERSION.fullmatch(value.strip())
    if found is None:
        raise InvalidField(
            "If-Match",
            "header 'If-Match' must carry one record version, e.g. If-Match: \"3\" (the "
            "'version' of the record you last read)",
        )
    return int(found.group(1))


async def _if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    # async: FastAPI runs a plain ``def`` dependency on its thread pool (a thread hop per write)
    return parse_if_match(if_match)


#: A route parameter: the ``If-Match`` header as a version number (or None).
IfMatch = Annotated[int | None, Depends(_if_match)]
