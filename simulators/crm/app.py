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

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from simulators._shared import Runtime, SimulatorSettings, build_app, change_feed, subscriptions
from simulators._shared.change_events import bind_events
from simulators._shared.clock import follow_clock
from simulators._shared.gate import GatedRoute, RequestGate
from simulators._shared.record_errors import record_error, record_validation_handler
from simulators.crm.options import crm_options
from simulators.crm.routers import campaigns, cases, contacts, leads, outreach, pipeline, tasks
from simulators.crm.store import CrmStore

__all__ = ["create_app"]

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
    gate = RequestGate.from_options(runtime, options, record_error)
    store.on_reset(gate)
    unfollow = follow_clock(runtime.clock, store.outreach.on_advance)
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
            change_feed.router(runtime, store.events, GatedRoute),
        ],
        render=record_error,
        error_handlers={RequestValidationError: record_validation_handler},
        lifespan=bind_events(store.events),
        on_shutdown=[unfollow],  # a stopped app's campaigns no longer run on a shared clock
    )
    app.state.gate = gate
    return app
