"""The ASGI middleware in front of every simulator: authentication, then injected faults.

Pure ASGI (no ``BaseHTTPMiddleware``) because it sits on every request of the benchmarks. It
puts a ``RequestState`` in ``scope["state"]["sim"]``; routes read it with ``request_state``.
Errors it raises itself are rendered with the simulator's renderer, the same one its exception
handlers use, so a 401 from the EHR is an OperationOutcome and from the CRM a CRM error body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators._shared.auth import Client
from simulators._shared.errors import (
    ConfigurationError,
    ConnectionDropped,
    InjectedRateLimit,
    InjectedServerError,
    SimulatorError,
)
from simulators._shared.faults import RequestDecision
from simulators._shared.history import OpContext
from simulators._shared.runtime import Runtime

ErrorRenderer = Callable[[SimulatorError], Response]

PUBLIC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
IDEMPOTENCY_HEADER = "idempotency-key"
ATTEMPT_HEADER = "x-request-attempt"


@dataclass(frozen=True, slots=True)
class RequestState:
    """Who is calling and what the fault plan decided for this request."""

    client: Client
    context: OpContext
    decision: RequestDecision


def request_state(request: Request) -> RequestState:
    """The state the middleware attached to ``request``."""
    state = request.scope.get("state", {}).get("sim")
    if not isinstance(state, RequestState):
        raise ConfigurationError(
            f"no simulator request state on {request.url.path}; build the app with build_app()"
        )
    return state


class SimulatorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        runtime: Runtime,
        render: ErrorRenderer,
        public_paths: frozenset[str] = PUBLIC_PATHS,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.render = render
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self.public_paths:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        try:
            client = self.runtime.keys.authenticate(headers.get("authorization"))
        except SimulatorError as exc:
            await self.render(exc)(scope, receive, send)
            return
        method = scope["method"]
        decision = (
            RequestDecision()
            if path.startswith("/_admin")
            else self.runtime.faults.decide(method, path, client.name)
        )
        context = OpContext(
            client.name, headers.get(IDEMPOTENCY_HEADER), _attempt(headers), decision.doubtful
        )
        scope.setdefault("state", {})["sim"] = RequestState(client, context, decision)
        if decision.delay > 0:
            await asyncio.sleep(decision.delay)
        if decision.status is not None:
            await self._refuse(scope, receive, send, context, decision)
            return
        if decision.crash_mode is not None:
            await self._crash_after(scope, receive, send, decision.crash_mode)
        elif decision.hang is not None:
            await self._hold_reply(scope, receive, send, decision.hang)
        else:
            await self.app(scope, receive, send)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: OpContext,
        decision: RequestDecision,
    ) -> None:
        key = f"{scope['method']} {scope['path']}"
        op = self.runtime.history.invoke(context, "http", key)
        self.runtime.history.fail(op, outcome=f"fault:{decision.status}")
        error: SimulatorError
        if decision.status == 429:
            error = InjectedRateLimit(
                f"rate limit injected for client {context.process!r} on {key}; retry after "
                f"{decision.retry_after}s",
                retry_after=decision.retry_after or 0,
            )
        else:
            error = InjectedServerError(
                f"server error {decision.status} injected on {key}", status=decision.status
            )
        await self.render(error)(scope, receive, send)

    async def _hold_reply(self, scope: Scope, receive: Receive, send: Send, hang: float) -> None:
        """Serve and commit, then hold the whole reply back ``hang`` seconds: a client with a
        shorter timeout gives up without knowing the write landed."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(hang)
        for message in held:
            await send(message)

    async def _crash_after(self, scope: Scope, receive: Receive, send: Send, mode: str) -> None:
        """Run the request to completion (it commits), then lose the reply."""
        started: list[Message] = []

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)

        await self.app(scope, receive, swallow)
        if mode == "empty_500":
            await Response(status_code=500)(scope, receive, send)
            return
        if started:
            await send(started[0])
        raise ConnectionDropped(
            f"connection to client dropped after commit on {scope['method']} {scope['path']} "
            "(injected crash_after_commit)"
        )


def _headers(scope: Scope) -> dict[str, str]:
    wanted = {b"authorization", IDEMPOTENCY_HEADER.encode(), ATTEMPT_HEADER.encode()}
    found: dict[str, str] = {}
    raw: Any
    for name, raw in scope.get("headers", ()):
        lowered = name.lower()
        if lowered in wanted:
            found[lowered.decode()] = raw.decode("latin-1")
    return found


def _attempt(headers: dict[str, str]) -> int | None:
    value = headers.get(ATTEMPT_HEADER)
    return int(value) if value is not None and value.isdigit() else None
