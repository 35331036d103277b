"""``DirectRoute``: an ``APIRoute`` that calls a ``(request: Request) -> Response`` endpoint
directly.

FastAPI wraps every endpoint in dependency solving, parameter validation and response
serialization (about 60 us a request). An endpoint that takes only the ``Request`` and returns
a ``Response`` needs none of it, so ``DirectRoute`` calls it as it is; the route is still an
``APIRoute``, so it is matched, documented in OpenAPI and guarded by the app's exception handlers
exactly as before. Any other endpoint (parameters, dependencies, a body model, a non-Response
return) is handled by ``APIRoute`` unchanged::

    router = APIRouter(prefix="/fhir/Patient", route_class=DirectRoute)

    @router.get("/{resource_id}")
    async def read(request: Request) -> Response: ...
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.routing import APIRoute
from starlette.responses import Response

__all__ = ["DirectRoute"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class DirectRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        name = _request_only(self)
        if name is None:
            return super().get_route_handler()
        endpoint = self.endpoint

        async def direct(request: Request) -> Response:
            response: Response = await endpoint(**{name: request})
            return response

        return direct


def _request_only(route: APIRoute) -> str | None:
    """The Request parameter's name when that is all the endpoint needs, else None."""
    dependant = route.dependant
    extra = (
        dependant.path_params,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
        dependant.dependencies,
    )
    if any(extra) or dependant.request_param_name is None:
        return None
    endpoint = route.endpoint
    if (
        not inspect.iscoroutinefunction(endpoint)
        or len(inspect.signature(endpoint).parameters) != 1
    ):
        return None
    returns = get_typed_return_annotation(endpoint)
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        return None
    return dependant.request_param_name
