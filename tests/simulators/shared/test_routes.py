"""``DirectRoute`` calls a request-only endpoint directly and leaves every other one to FastAPI."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import Response

from simulators._shared import DirectRoute

pytestmark = pytest.mark.anyio


def _answer() -> int:
    return 42


def _router() -> APIRouter:
    router = APIRouter(route_class=DirectRoute)

    @router.get("/direct/{item}")
    async def direct(request: Request) -> Response:
        return Response(f"item {request.path_params['item']}", status_code=203)

    @router.get("/typed/{item}")
    async def typed(item: int) -> dict[str, int]:
        return {"item": item}

    @router.get("/depends")
    async def depends(request: Request, answer: Annotated[int, Depends(_answer)]) -> Response:
        return Response(str(answer))

    return router


def _app() -> FastAPI:
    app = FastAPI()
    app.include_router(_router())
    return app


async def test_direct_and_fastapi_endpoints_answer_as_fastapi_would() -> None:
    app = _app()
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        direct = await client.get("/direct/7")
        typed = await client.get("/typed/7")
        invalid = await client.get("/typed/seven")
        depends = await client.get("/depends")

    assert (direct.status_code, direct.text) == (203, "item 7")
    assert typed.json() == {"item": 7}
    assert invalid.status_code == 422
    assert depends.text == "42"


def test_only_request_only_endpoints_skip_fastapi_handling() -> None:
    router = _router()

    handlers = {
        route.path: route.get_route_handler().__name__
        for route in router.routes
        if isinstance(route, DirectRoute)
    }

    assert handlers["/direct/{item}"] == "direct"
    assert handlers["/typed/{item}"] != "direct"
    assert handlers["/depends"] != "direct"


def test_the_openapi_document_still_lists_direct_routes() -> None:
    paths = _app().openapi()["paths"]

    assert "/direct/{item}" in paths
