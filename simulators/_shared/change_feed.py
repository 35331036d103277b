"""``/changes``: the change feed, for a receiver that missed webhooks to read what it missed.

``GET /changes?since=N&limit=M`` answers the events published after ``N`` (oldest first, at most
``M``, default 500, at most 1,000) with their sequence numbers and the newest number (``head``);
``gap: true`` says events after ``N`` were lost to retention (the feed keeps the newest
100,000). Each event is the webhook body as it was
published (``{type, resource, id, version, changed, actor, occurred_at, record}``), also when its
webhook was dropped. Only the ``admin`` and ``sync_engine`` roles may read it; every read is a
``search`` of ``Change`` in the history::

    GET /changes?since=41   ->  {"items": [{"seq": 42, "event": {...}}], "head": 42,
                                 "gap": false}
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from simulators._shared.auth import ADMIN_ROLE, require_role
from simulators._shared.change_events import ChangeEvents
from simulators._shared.errors import BadRequest
from simulators._shared.middleware import request_state
from simulators._shared.runtime import Runtime

__all__ = ["router"]

_READERS = (ADMIN_ROLE, "sync_engine")
_DEFAULT_LIMIT = 500
_MAX_LIMIT = 1000


def router(
    runtime: Runtime, events: ChangeEvents, route_class: type[APIRoute] = APIRoute
) -> APIRouter:
    r = APIRouter(prefix="/changes", tags=["changes"], route_class=route_class)

    @r.get("")
    async def changes(request: Request) -> Response:
        state = request_state(request)
        require_role(state.client, *_READERS)
        since = _number(request, "since", 0)
        limit = min(_number(request, "limit", _DEFAULT_LIMIT), _MAX_LIMIT)
        op = runtime.history.invoke(state.context, "search", "Change")
        found, head = events.feed(since, limit)
        items = b",".join(b'{"seq":%d,"event":%s}' % (seq, body) for seq, body in found)
        gap = bool(found) and found[0][0] > since + 1
        runtime.history.ok(op, outcome=f"ok:{len(found)}")
        body = b'{"items":[%s],"head":%d,"gap":%s}' % (items, head, b"true" if gap else b"false")
        return Response(body, media_type="application/json")

    return r


def _number(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise BadRequest(f"query parameter {name!r} must be a non-negative integer")
    return int(raw)
