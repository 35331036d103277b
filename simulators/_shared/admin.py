"""The ``/_admin`` router every simulator mounts; only the admin role may call it.

=======  ===========================  ==================================================
method   path                         effect
=======  ===========================  ==================================================
POST     /_admin/reset                empty the simulator, history, faults, ground truth
POST     /_admin/seed                 load records (a JSON list, or {"records": [...]})
GET/PUT  /_admin/faults               read / replace the fault plan (FaultPlan JSON)
DELETE   /_admin/faults               clear every fault rule
GET      /_admin/faults/fired         how often each rule fired
GET      /_admin/history?since=N      the history as JSON Lines
DELETE   /_admin/history              forget the history
PUT      /_admin/history/recording    {"enabled": bool}
GET/PUT  /_admin/ground-truth         opaque JSON kept for the checker
GET/PUT  /_admin/clock                {"now": ISO-8601}; PUT sets a SimClock
POST     /_admin/clock/advance        {"seconds": float}
GET      /_admin/webhooks             endpoints, pending deliveries, dead letters
PUT      /_admin/webhooks/{name}      register a receiver {url, secret?, headers?} (or
                                      replace it: deliveries queued for it are dropped)
DELETE   /_admin/webhooks/{name}      remove a receiver and its queued deliveries
POST     /_admin/webhooks/drain       wait until every queued delivery finished
=======  ===========================  ==================================================

The webhook routes work on every simulator (the EHR has no ``/webhooks`` of its own: its
FHIR Subscriptions are resources), are recorded in the history as ``create`` / ``write`` /
``delete`` of ``Webhook/{name}``, and answer 404 for a name that is not registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from simulators._shared.auth import ADMIN_ROLE, require_role
from simulators._shared.clock import SimClock
from simulators._shared.errors import BadRequest, Conflict, NotFound
from simulators._shared.faults import FaultPlan
from simulators._shared.middleware import request_state
from simulators._shared.runtime import Runtime
from simulators._shared.webhooks import WebhookEndpoint

_RECEIVER_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Resettable(Protocol):
    """Anything with state an admin reset clears (an idempotency cache, a rate limiter)."""

    def reset(self) -> None: ...


class SimulatorState(Protocol):
    """What a simulator's data store offers the admin router."""

    def reset(self) -> None: ...

    def seed(self, records: list[dict[str, Any]], *, process: str) -> Mapping[str, Any]: ...


class ClockSet(BaseModel):
    now: datetime


class ClockAdvance(BaseModel):
    seconds: float = Field(ge=0)


class Recording(BaseModel):
    enabled: bool


class Receiver(BaseModel):
    """A webhook receiver as ``PUT /_admin/webhooks/{name}`` takes it."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
    secret: Annotated[str, StringConstraints(min_length=8, max_length=256)] | None = None
    headers: dict[str, Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=dict
    )


def _require_admin(request: Request) -> str:
    client = request_state(request).client
    require_role(client, ADMIN_ROLE)
    return client.name


def admin_router(runtime: Runtime, state: SimulatorState) -> APIRouter:
    """The ``/_admin`` routes bound to one runtime and one store."""
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(_require_admin)])
    _data_routes(router, runtime, state)
    _fault_routes(router, runtime)
    _history_routes(router, runtime)
    _clock_routes(router, runtime)
    _webhook_routes(router, runtime)
    return router


def _data_routes(router: APIRouter, runtime: Runtime, state: SimulatorState) -> None:
    @router.post("/reset")
    async def reset() -> dict[str, bool]:
        runtime.reset()
        state.reset()
        return {"reset": True}

    @router.post("/seed")
    async def seed(request: Request, process: str = Depends(_require_admin)) -> dict[str, Any]:
        payload = await request.json()
        records = payload.get("records") if isinstance(payload, dict) else payload
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise BadRequest("seed expects a JSON list of records, or {'records': [...]}")
        return dict(state.seed(records, process=process))

    @router.get("/ground-truth")
    async def get_ground_truth() -> Any:
        return runtime.ground_truth

    @router.put("/ground-truth")
    async def put_ground_truth(truth: Annotated[Any, Body()]) -> dict[str, bool]:
        runtime.ground_truth = truth
        return {"stored": True}


def _fault_routes(router: APIRouter, runtime: Runtime) -> None:
    @router.get("/faults")
    async def get_faults() -> FaultPlan:
        return runtime.faults.plan

    @router.put("/faults")
    async def put_faults(plan: FaultPlan) -> FaultPlan:
        runtime.faults.set_plan(plan)
        return plan

    @router.delete("/faults")
    async def clear_faults() -> FaultPlan:
        runtime.faults.clear()
        return runtime.faults.plan

    @router.get("/faults/fired")
    async def fired() -> dict[str, list[int]]:
        counts = runtime.faults.fired()
        split = len(runtime.faults.plan.requests)
        return {"requests": counts[:split], "webhooks": counts[split:]}


def _history_routes(router: APIRouter, runtime: Runtime) -> None:
    @router.get("/history", response_class=PlainTextResponse)
    async def export(since: int = 0) -> PlainTextResponse:
        body = runtime.history.export_jsonl(since)
        return PlainTextResponse(body, media_type="application/x-ndjson")

    @router.delete("/history")
    async def clear() -> dict[str, bool]:
        runtime.history.clear()
        return {"cleared": True}

    @router.put("/history/recording")
    async def recording(body: Recording) -> Recording:
        runtime.history.enabled = body.enabled
        return body


def _clock_routes(router: APIRouter, runtime: Runtime) -> None:
    def sim_clock() -> SimClock:
        if not isinstance(runtime.clock, SimClock):
            raise Conflict("this simulator runs on the system clock; start it with a SimClock")
        return runtime.clock

    @router.get("/clock")
    async def now() -> dict[str, Any]:
        controllable = isinstance(runtime.clock, SimClock)
        return {"now": runtime.clock.now().isoformat(), "controllable": controllable}

    @router.put("/clock")
    async def set_clock(body: ClockSet) -> dict[str, str]:
        if body.now.tzinfo is None:
            raise BadRequest("clock 'now' needs a UTC offset, e.g. 2025-01-06T09:00:00+00:00")
        return {"now": sim_clock().set(body.now).isoformat()}

    @router.post("/clock/advance")
    async def advance(body: ClockAdvance) -> dict[str, str]:
        return {"now": sim_clock().advance(body.seconds).isoformat()}


def _webhook_routes(router: APIRouter, runtime: Runtime) -> None:
    @router.get("/webhooks")
    async def webhooks() -> dict[str, Any]:
        hooks = runtime.webhooks
        return {
            "endpoints": [{"name": e.name, "url": e.url} for e in hooks.endpoints()],
            "pending": hooks.pending(),
            "dead_letters": len(hooks.dead_letters),
        }

    @router.put("/webhooks/{name}")
    async def put_webhook(
        body: Receiver,
        request: Request,
        name: Annotated[str, Path(pattern=_RECEIVER_NAME)],
    ) -> JSONResponse:
        hooks, history = runtime.webhooks, runtime.history
        wanted = WebhookEndpoint(name, body.url, dict(body.headers), body.secret)
        current = next((e for e in hooks.endpoints() if e.name == name), None)
        op = history.invoke(
            request_state(request).context,
            "create" if current is None else "write",
            f"Webhook/{name}",
        )
        if current is not None and current != wanted:
            hooks.unregister(name)
        if current != wanted:
            hooks.register(wanted)
        history.ok(op, outcome="unchanged" if current == wanted else "ok")
        status = 201 if current is None else 200
        return JSONResponse({"name": name, "url": body.url}, status_code=status)

    @router.delete("/webhooks/{name}")
    async def delete_webhook(name: str, request: Request) -> dict[str, Any]:
        hooks, history = runtime.webhooks, runtime.history
        op = history.invoke(request_state(request).context, "delete", f"Webhook/{name}")
        if name not in {e.name for e in hooks.endpoints()}:
            history.fail(op, outcome="not_found")
            raise NotFound(f"no webhook receiver named {name!r}; GET /_admin/webhooks lists them")
        hooks.unregister(name)
        history.ok(op)
        return {"name": name, "deleted": True}

    @router.post("/webhooks/drain")
    async def drain(timeout: float = 30.0) -> dict[str, int]:
        await runtime.webhooks.drain(timeout)
        return {"pending": runtime.webhooks.pending()}
