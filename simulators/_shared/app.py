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

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse, Response

from simulators._shared.admin import SimulatorState, admin_router
from simulators._shared.errors import SimulatorError, Unprocessable
from simulators._shared.middleware import PUBLIC_PATHS, ErrorRenderer, SimulatorMiddleware
from simulators._shared.runtime import Runtime
from simulators._shared.transports import HttpxTransport

ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]
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
) -> FastAPI:
    """A FastAPI app; ``runtime`` is at ``app.state.runtime``, ``state`` at ``app.state.store``."""
    app = FastAPI(
        title=title, description=description, version="0.1.0", lifespan=_lifespan(runtime, lifespan)
    )
    app.state.runtime = runtime
    app.state.store = state
    for router in routers:
        app.include_router(router)
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


def _lifespan(runtime: Runtime, inner: Lifespan | None) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if inner is None:
                yield
            else:
                async with inner(app):
                    yield
        finally:
            await runtime.webhooks.aclose()
            transport = runtime.webhooks.transport
            if isinstance(transport, HttpxTransport):
                await transport.aclose()

    return lifespan
