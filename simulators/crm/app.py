"""The CRM simulator: ``create_app(settings) -> FastAPI``.

JSON REST over contacts (tokenized patient reference), leads, cases, tasks, campaigns and
outreach, with versions and ``If-Match`` (412), ``Idempotency-Key``, change-event webhooks,
per-client rate limits and campaign automation on the simulated clock. See README.md here::

    settings = SimulatorSettings()
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://crm") as c:
        key = settings.keys.by_name("engine").key
        await c.post("/contacts", json={"patient_ref": "tok_8f3a91c2"},
                     headers={"Authorization": f"Bearer {key}"})
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from simulators._shared import Runtime, SimClock, SimulatorSettings, build_app
from simulators.crm.errors import crm_error, validation_handler
from simulators.crm.events import ChangeEvents
from simulators.crm.gate import GatedRoute, RequestGate
from simulators.crm.options import crm_options
from simulators.crm.routers import (
    campaigns,
    cases,
    contacts,
    leads,
    outreach,
    pipeline,
    subscriptions,
    tasks,
)
from simulators.crm.store import CrmStore

__all__ = ["bind_events", "create_app"]

_DESCRIPTION = (
    "A mock CRM: contacts carry a patient token (never an MRN); records are versioned "
    "(ETag / If-Match, 412 on a stale version); POST/PUT/PATCH honour Idempotency-Key; every "
    "change is a webhook event; campaigns send outreach on the simulated clock by the contacts' "
    "local consent flags. Authenticate with 'Authorization: Bearer KEY'."
)


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    """A fresh CRM app with fresh state; ``settings.options["crm"]`` holds ``CrmOptions``."""
    settings = settings or SimulatorSettings()
    runtime = Runtime("crm", settings)
    options = crm_options(settings)
    store = CrmStore(runtime, options)
    gate = RequestGate.from_options(runtime, options, crm_error)
    store.on_reset(gate)
    if isinstance(runtime.clock, SimClock):
        runtime.clock.on_advance(store.outreach.on_advance)
    app = build_app(
        runtime,
        title="CRM simulator",
        description=_DESCRIPTION,
        state=store,
        routers=[
            contacts.router(store),
            leads.router(store),
            cases.router(store),
            tasks.router(store),
            campaigns.router(store),
            outreach.router(store),
            pipeline.router(store),
            subscriptions.router(runtime, GatedRoute),
        ],
        render=crm_error,
        error_handlers={RequestValidationError: validation_handler},
        lifespan=bind_events(store.events),
    )
    app.state.gate = gate
    return app


def bind_events(events: ChangeEvents) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that delivers change events from the loop serving the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.bind(asyncio.get_running_loop())
        yield

    return lifespan
