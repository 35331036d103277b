"""The patient-portal simulator: ``create_app(settings) -> FastAPI``.

Patient accounts, intake submissions (versioned), consent grants and revocations per purpose
(HL7 v3 ActReason) and channel with versions and periods, contact preferences (If-Match, 412),
the patient-visible status, and a webhook on every change. It is built on the record machinery
it shares with the CRM in ``simulators._shared`` (versions, ``Idempotency-Key``, rate limits,
error bodies). See README.md here::

    settings = SimulatorSettings()
    app = create_app(settings)
    # POST /accounts, POST /accounts/{id}/consents/grant, ...
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from simulators._shared import Runtime, SimulatorSettings, build_app, change_feed, subscriptions
from simulators._shared.api_options import ApiOptions, options_from
from simulators._shared.change_events import bind_events
from simulators._shared.clock import follow_clock
from simulators._shared.gate import GatedRoute, RequestGate
from simulators._shared.record_errors import record_error, record_validation_handler
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
    gate = RequestGate.from_options(runtime, options, record_error)
    store.on_reset(gate)
    unfollow = follow_clock(runtime.clock, store.consent_book.on_advance)
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
            change_feed.router(runtime, store.events, GatedRoute),
        ],
        render=record_error,
        error_handlers={RequestValidationError: record_validation_handler},
        lifespan=bind_events(store.events),
        on_shutdown=[unfollow],  # a stopped portal no longer expires consents on a shared clock
    )
    app.state.gate = gate
    return app
