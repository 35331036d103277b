"""What every record-API request (CRM, portal) passes before its route: the rate limit, then
``Idempotency-Key``.

Routers use ``GatedRoute`` as their ``route_class``; it finds the app's ``RequestGate`` at
``app.state.gate``. ``/_admin`` (the shared router) is not gated. A request the gate refuses is
recorded in the history as an ``http`` operation with the refusal as its outcome; so is a replay
(outcome ``idempotent_replay``), so the history shows every retry without a second effect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from simulators._shared.api_options import ApiOptions
from simulators._shared.errors import PreconditionRequired, RateLimited, SimulatorError
from simulators._shared.idempotency import IdempotencyCache, StoredResponse, fingerprint
from simulators._shared.middleware import ErrorRenderer, RequestState, request_state
from simulators._shared.ratelimit import RateLimiter
from simulators._shared.runtime import Runtime

__all__ = ["GatedRoute", "RequestGate"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEPT_HEADERS = frozenset({"content-type", "etag", "location"})
REPLAY_HEADER = "Idempotent-Replayed"


class RequestGate:
    def __init__(
        self,
        runtime: Runtime,
        *,
        limiter: RateLimiter,
        cache: IdempotencyCache,
        render: ErrorRenderer,
        processing_delay: float = 0.0,
    ) -> None:
        self.runtime = runtime
        self.limiter = limiter
        self.cache = cache
        self.render = render
        self.processing_delay = processing_delay

    @classmethod
    def from_options(
        cls, runtime: Runtime, options: ApiOptions, render: ErrorRenderer
    ) -> RequestGate:
        """A gate with the options' rate limits (on the chosen clock) and a fresh key cache."""
        clock = runtime.clock
        now: Callable[[], float] = (
            (lambda: clock.now().timestamp())
            if options.rate_limit_clock == "simulated"
            else time.monotonic
        )
        return cls(
            runtime,
            limiter=RateLimiter(options.rate_limits, now=now),
            cache=IdempotencyCache(),
            render=render,
            processing_delay=options.processing_delay,
        )

    def reset(self) -> None:
        """Forget idempotency keys and refill every bucket (the admin reset)."""
        self.limiter.reset()
        self.cache.reset()

    async def handle(self, request: Request, inner: Handler) -> Response:
        state = request_state(request)
        self._limit(request, state)
        key = state.context.idempotency_key
        if key is None or request.method not in _MUTATING:
            return await self._run(request, inner)
        client = state.client.name
        target = _target(request)
        body = await request.body()
        print_ = fingerprint(request.method, target, body + _if_match(request))
        try:
            stored = self.cache.begin(client, key, print_, f"{request.method} {request.url.path}")
        except SimulatorError as exc:
            self._record(request, state, exc.code, ok=False)
            raise
        if stored is not None:
            self._record(request, state, "idempotent_replay", ok=True)
            return _replay(stored)
        return await self._run_keyed(request, inner, client, key)

    async def _run_keyed(self, request: Request, inner: Handler, client: str, key: str) -> Response:
        try:
            response = await self._run(request, inner)
        except (RequestValidationError, PreconditionRequired, RateLimited):
            self.cache.abandon(client, key)  # it never ran: a corrected retry may use the key
            raise
        except SimulatorError as exc:
            response = self.render(exc)
            if exc.status >= 500:
                self.cache.abandon(client, key)
                return response
        except BaseException:
            self.cache.abandon(client, key)
            raise
        self.cache.finish(client, key, _stored(response))
        return response

    async def _run(self, request: Request, inner: Handler) -> Response:
        if self.processing_delay > 0:
            await asyncio.sleep(self.processing_delay)
        return await inner(request)

    def _limit(self, request: Request, state: RequestState) -> None:
        wait = self.limiter.take(state.client.name)
        if wait == 0:
            return
        self._record(request, state, "rate_limited", ok=False)
        raise RateLimited(
            f"client {state.client.name!r} exceeded its rate limit on "
            f"{request.method} {request.url.path}; retry after {wait}s",
            retry_after=wait,
        )

    def _record(self, request: Request, state: RequestState, outcome: str, *, ok: bool) -> None:
        """An ``http`` operation for a request the gate answered itself."""
        history = self.runtime.history
        op = history.invoke(state.context, "http", f"{request.method} {request.url.path}")
        if ok:
            history.ok(op, outcome=outcome)
        else:
            history.fail(op, outcome=outcome)


class GatedRoute(APIRoute):
    """An ``APIRoute`` whose handler runs behind the app's ``RequestGate``."""

    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()

        async def gated(request: Request) -> Response:
            gate: RequestGate = request.app.state.gate
            return await gate.handle(request, inner)

        return gated


def _target(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _if_match(request: Request) -> bytes:
    value = request.headers.get("if-match")
    return b"" if value is None else b"\x00if-match:" + value.encode()


def _stored(response: Response) -> StoredResponse:
    headers = tuple(
        (name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS
    )
    return StoredResponse(response.status_code, bytes(response.body), headers)


def _replay(stored: StoredResponse) -> Response:
    headers = {name: value for name, value in stored.headers if name != "content-type"}
    headers[REPLAY_HEADER] = "true"
    media = dict(stored.headers).get("content-type")
    return Response(stored.body, status_code=stored.status, headers=headers, media_type=media)
