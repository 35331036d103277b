"""Build a simulator's FastAPI app: auth and fault middleware, error handlers, ``/_admin``.

A simulator's ``create_app`` makes its store and routers and hands them here::

    def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
        runtime = Runtime("crm", settings or SimulatorSettings())
        store = ContactStore(runtime)
        return build_app(runtime, title="CRM simulator", state=store,
                         routers=[contacts.router(store), leads.router(store)])

Every ``SimulatorError`` (and FastAPI's request validation errors, as ``Unprocessable``) becomes
a body through ``render``: one renderer per simulator, registered per exception class.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

from simulators._shared.admin import SimulatorState, admin_router
from simulators._shared.errors import SimulatorError, Unprocessable
from simulators._shared.http1 import Http1Transport
from simulators._shared.middleware import PUBLIC_PATHS, ErrorRenderer, SimulatorMiddleware
from simulators._shared.runtime import Runtime
from simulators._shared.transports import HttpxTransport

ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]

#: FastAPI's OpenTelemetry hooks (FastAPI >= 0.16x) ask the providers on every request (about
#: 20 us); the simulators record their own history instead. Older FastAPIs have no such hooks.
_NO_TELEMETRY: Final[dict[str, Any]] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def json_error(exc: SimulatorError) -> Response:
    """The default error body: ``{"error": {"code": ..., "message": ...}}``."""
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}},
        status_code=exc.status,
        headers=exc.headers(),
    )


def validation_error(exc: RequestValidationError) -> Unprocessable:
    """FastAPI's validation error as ``Unprocessable``, naming paths and problems, no values."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )
    return Unprocessable(f"invalid request: {problems}")


def build_app(
    runtime: Runtime,
    *,
    title: str,
    state: SimulatorState,
    routers: Sequence[APIRouter] = (),
    render: ErrorRenderer = json_error,
    error_handlers: Mapping[type[Exception], ExceptionHandler] | None = None,
    public_paths: frozenset[str] = PUBLIC_PATHS,
    lifespan: Lifespan | None = None,
    description: str = "",
    on_shutdown: Sequence[Callable[[], None]] = (),
) -> FastAPI:
    """A FastAPI app; ``runtime`` is at ``app.state.runtime``, ``state`` at ``app.state.store``.

    ``on_shutdown`` runs when the served app stops (e.g. ``SimClock`` unsubscribe handles).
    """
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=_lifespan(runtime, lifespan, on_shutdown),
        **_NO_TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.store = state
    for router in routers:
        # The routes themselves, not the router: a route already carries its router's prefix,
        # tags and route class, and FastAPI then matches it once instead of twice (the
        # included router, then its route), about 50 us a request. OpenAPI is the same.
        app.router.routes.extend(router.routes)
    # last: FastAPI tries included routers in order, and /_admin is the rarely used one
    app.include_router(admin_router(runtime, state))
    _register_handlers(app, render, error_handlers or {})
    app.add_middleware(
        SimulatorMiddleware, runtime=runtime, render=render, public_paths=public_paths
    )
    return app


def _register_handlers(
    app: FastAPI, render: ErrorRenderer, extra: Mapping[type[Exception], ExceptionHandler]
) -> None:
    async def simulator_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SimulatorError)
        return render(exc)

    async def request_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(validation_error(exc))

    app.add_exception_handler(SimulatorError, simulator_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    for exc_class, handler in extra.items():
        app.add_exception_handler(exc_class, handler)


def _lifespan(
    runtime: Runtime, inner: Lifespan | None, on_shutdown: Sequence[Callable[[], None]]
) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if inner is None:
                yield
            else:
                async with inner(app):
                    yield
        finally:
            for hook in on_shutdown:
                hook()
            await runtime.webhooks.aclose()
            transport = runtime.webhooks.transport
            if isinstance(transport, HttpxTransport | Http1Transport):
                await transport.aclose()

    return lifespan
