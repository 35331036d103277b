"""The patient-portal simulator: ``create_app(settings) -> FastAPI``.

Patient accounts, intake submissions (versioned), consent grants and revocations per purpose
(HL7 v3 ActReason) and channel with versions and periods, contact preferences (If-Match, 412),
the patient-visible status, and a webhook on every change. It shares the CRM's record
machinery (versions, ``Idempotency-Key``, rate limits, error bodies). See README.md here::

    settings = SimulatorSettings()
    app = create_app(settings)
    # POST /accounts, POST /accounts/{id}/consents/grant, ...
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from simulators._shared import Runtime, SimClock, SimulatorSettings, build_app
from simulators.crm.app import bind_events
from simulators.crm.errors import crm_error, validation_handler
from simulators.crm.gate import GatedRoute, RequestGate
from simulators.crm.options import ApiOptions, options_from
from simulators.crm.routers import subscriptions
from simulators.portal.routers import accounts, consents, intake, preferences
from simulators.portal.store import PortalStore

__all__ = ["create_app"]

_DESCRIPTION = (
    "A mock patient portal: accounts, intake, consent grants and revocations per purpose and "
    "channel (versioned, with periods), contact preferences (ETag / If-Match, 412 on a stale "
    "version), the patient-visible status; every change is a webhook event. Authenticate with "
    "'Authorization: Bearer KEY'."
)


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    """A fresh portal app; ``settings.options["portal"]`` may hold ``ApiOptions``."""
    settings = settings or SimulatorSettings()
    runtime = Runtime("portal", settings)
    options = options_from(settings, "portal", ApiOptions)
    store = PortalStore(runtime, options)
    gate = RequestGate.from_options(runtime, options, crm_error)
    store.on_reset(gate)
    if isinstance(runtime.clock, SimClock):
        runtime.clock.on_advance(store.consent_book.on_advance)
    app = build_app(
        runtime,
        title="Patient portal simulator",
        description=_DESCRIPTION,
        state=store,
        routers=[
            accounts.router(store),
            preferences.router(store),
            intake.router(store),
            consents.router(store),
            subscriptions.router(runtime, GatedRoute),
        ],
        render=crm_error,
        error_handlers={RequestValidationError: validation_handler},
        lifespan=bind_events(store.events),
    )
    app.state.gate = gate
    return app
