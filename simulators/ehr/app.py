"""``create_app(settings)``: the EHR's FHIR R4 server as a FastAPI app with fresh state.

In-process::

    settings = SimulatorSettings()
    app = create_app(settings)
    key = settings.keys.by_name("engine").key
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://ehr",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        await client.post("/fhir/Patient", json={"resourceType": "Patient"})

On a port: ``uvicorn.run(create_app(settings), host="127.0.0.1", port=8001)`` or
``python -m simulators.ehr --port 8001``. ``app.state.store`` is the ``FhirStore`` (the HL7 v2
side's ``AdtTarget``), ``app.state.runtime`` the shared runtime (history, faults, webhooks),
``app.state.adt_peers`` the registered ADT peers (``/hl7/adt-peers``, fed by ``AdtFeed``).
Options (``settings.options``): ``fhir_validation`` (default True).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from simulators._shared.app import build_app
from simulators._shared.errors import SimulatorError
from simulators._shared.runtime import Runtime, SimulatorSettings
from simulators.ehr.hl7.peers import AdtPeers
from simulators.ehr.outcome import render
from simulators.ehr.routers.adt_peers import adt_peers_router
from simulators.ehr.routers.patient import patient_router
from simulators.ehr.routers.resources import FAMILIES, family_router
from simulators.ehr.routers.system import system_router, unknown_type_router
from simulators.ehr.store import FhirStore
from simulators.ehr.subscriptions import SubscriptionNotifier

SYSTEM = "ehr"


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    settings = settings or SimulatorSettings()
    runtime = Runtime(SYSTEM, settings)
    store = FhirStore(
        runtime.history,
        runtime.clock,
        validation=bool(settings.options.get("fhir_validation", True)),
    )
    SubscriptionNotifier(store, runtime.webhooks, runtime.clock)
    peers = AdtPeers(store, runtime)
    routers = [  # the hot resource routes first: FastAPI tries routers in order
        *(family_router(family, store) for family in FAMILIES),
        system_router(store, runtime.clock),
        patient_router(store),
        unknown_type_router(),
        adt_peers_router(peers, runtime),
    ]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await peers.aclose()

    app = build_app(
        runtime,
        title="EHR simulator (FHIR R4)",
        description="FHIR R4 JSON at /fhir, validated with fhir.resources R4B models.",
        state=store,
        routers=routers,
        render=render,
        error_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.adt_peers = peers
    return app


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own 404/405 (unknown paths) as OperationOutcomes too."""
    return render(
        SimulatorError(f"{request.method} {request.url.path}: {exc.detail}", status=exc.status_code)
    )
