"""``/webhooks``: where a record API's change events go. Register a receiver URL (optionally
signed).

Only the ``admin`` and ``sync_engine`` roles may register or remove receivers. The CRM and the
portal mount this router (with their ``GatedRoute``): ``subscriptions.router(runtime, GatedRoute)``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.responses import JSONResponse

from simulators._shared.auth import ADMIN_ROLE, require_role
from simulators._shared.errors import ConfigurationError, Conflict, RecordNotFound
from simulators._shared.middleware import request_state
from simulators._shared.runtime import Runtime
from simulators._shared.webhooks import WebhookEndpoint

__all__ = ["Subscription", "router"]

_MANAGERS = (ADMIN_ROLE, "sync_engine")


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    secret: Annotated[str, StringConstraints(min_length=8, max_length=256)] | None = None
    headers: dict[str, Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=dict
    )


def router(runtime: Runtime, route_class: type[APIRoute] = APIRoute) -> APIRouter:
    r = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=route_class)
    hooks = runtime.webhooks

    @r.post("", status_code=201)
    async def subscribe(body: Subscription, request: Request) -> JSONResponse:
        state = request_state(request)
        require_role(state.client, *_MANAGERS)
        op = runtime.history.invoke(state.context, "create", f"Webhook/{body.name}")
        try:
            hooks.register(WebhookEndpoint(body.name, body.url, dict(body.headers), body.secret))
        except ConfigurationError:
            runtime.history.fail(op, outcome="already_registered")
            raise Conflict(
                f"a webhook receiver named {body.name!r} is registered; DELETE "
                f"/webhooks/{body.name} first or pick another name"
            ) from None
        runtime.history.ok(op)
        return JSONResponse({"name": body.name, "url": body.url}, status_code=201)

    @r.get("")
    async def list_subscriptions(request: Request) -> dict[str, Any]:
        state = request_state(request)
        require_role(state.client, *_MANAGERS)
        op = runtime.history.invoke(state.context, "search", "Webhook")
        items = [{"name": e.name, "url": e.url} for e in hooks.endpoints()]
        runtime.history.ok(op, outcome=f"ok:{len(items)}")
        return {"items": items, "pending": hooks.pending(), "dead_letters": len(hooks.dead_letters)}

    @r.delete("/{name}")
    async def unsubscribe(name: str, request: Request) -> dict[str, Any]:
        state = request_state(request)
        require_role(state.client, *_MANAGERS)
        op = runtime.history.invoke(state.context, "delete", f"Webhook/{name}")
        if name not in {e.name for e in hooks.endpoints()}:
            runtime.history.fail(op, outcome="not_found")
            raise RecordNotFound(f"no webhook receiver named {name!r}; GET /webhooks lists them")
        hooks.unregister(name)
        runtime.history.ok(op)
        return {"name": name, "deleted": True}

    return r
