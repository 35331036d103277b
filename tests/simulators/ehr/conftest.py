"""The EHR in-process: a fresh app per test, an engine client and the admin headers."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import (
    Client,
    KeyRing,
    MemoryReceiver,
    RetryPolicy,
    SimClock,
    SimulatorSettings,
)
from simulators.ehr import FhirStore, create_app

ADMIN_KEY = "ehr-admin-key"
ENGINE_KEY = "ehr-engine-key"
FRONT_DESK_KEY = "ehr-front-desk-key"
MRN = "urn:oid:2.999.7.1"

_serial = itertools.count(1)


def make_settings(**overrides: Any) -> SimulatorSettings:
    keys = KeyRing(
        [
            Client("admin", "admin", ADMIN_KEY),
            Client("engine", "sync_engine", ENGINE_KEY),
            Client("front_desk", "front_desk", FRONT_DESK_KEY),
        ]
    )
    defaults: dict[str, Any] = {
        "clock": SimClock(),
        "keys": keys,
        "webhook_transport": MemoryReceiver(),
        "webhook_retry": RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002),
    }
    return SimulatorSettings(**{**defaults, **overrides})


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def patient(**overrides: Any) -> dict[str, Any]:
    """A synthetic Patient with a fresh MRN (obviously fake: 555-01xx, example.org)."""
    n = next(_serial)
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": MRN, "value": f"SYN-{n:06d}"}],
        "active": True,
        "name": [{"family": f"Testperson{n}", "given": ["Ana", "Lucía"]}],
        "gender": "female",
        "birthDate": "1980-03-05",
        "telecom": [
            {"system": "phone", "value": f"(555) 010-{n % 100:04d}"},
            {"system": "email", "value": f"ana.{n}@example.org"},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings() -> SimulatorSettings:
    return make_settings()


@pytest.fixture
def app(settings: SimulatorSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def store(app: FastAPI) -> FhirStore:
    found = app.state.store
    assert isinstance(found, FhirStore)
    return found


@pytest.fixture
def receiver(settings: SimulatorSettings) -> MemoryReceiver:
    found = settings.webhook_transport
    assert isinstance(found, MemoryReceiver)
    return found


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ehr", headers=auth(ENGINE_KEY)
    ) as client:
        yield client
    await app.state.runtime.webhooks.aclose()


@pytest.fixture
def admin() -> dict[str, str]:
    return auth(ADMIN_KEY)
