"""A minimal real simulator ("notes") built with the shared machinery, to test it end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from simulators._shared import (
    Client,
    KeyRing,
    MemoryReceiver,
    NotFound,
    RetryPolicy,
    Runtime,
    SimClock,
    SimulatorSettings,
    build_app,
    request_state,
)

ADMIN_KEY = "test-admin-key"
ENGINE_KEY = "test-engine-key"
PORTAL_KEY = "test-portal-key"


class NoteStore:
    """The notes simulator's state: one JSON note per id, with a version counter."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.notes: dict[str, tuple[int, dict[str, Any]]] = {}

    def reset(self) -> None:
        self.notes.clear()

    def seed(self, records: list[dict[str, Any]], *, process: str) -> Mapping[str, Any]:
        for record in records:
            self.notes[str(record["id"])] = (1, record)
        return {"seeded": len(records)}


def notes_router(store: NoteStore) -> APIRouter:
    router = APIRouter(prefix="/notes")
    history = store.runtime.history

    @router.put("/{note_id}")
    async def put(note_id: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        op = history.invoke(request_state(request).context, "write", f"Note/{note_id}", fields=body)
        version = store.notes.get(note_id, (0, {}))[0] + 1
        store.notes[note_id] = (version, body)
        history.ok(op, new_version=str(version))
        store.runtime.webhooks.publish(f"Note/{note_id}", b'{"changed": true}')
        return {"id": note_id, "version": version}

    @router.get("/{note_id}")
    async def get(note_id: str, request: Request) -> dict[str, Any]:
        op = history.invoke(request_state(request).context, "read", f"Note/{note_id}")
        if note_id not in store.notes:
            history.fail(op, outcome="not_found")
            raise NotFound(f"note {note_id} does not exist")
        version, body = store.notes[note_id]
        history.ok(op, new_version=str(version))
        return {"id": note_id, "version": version, "body": body}

    return router


def make_settings(**overrides: Any) -> SimulatorSettings:
    keys = KeyRing(
        [
            Client("admin", "admin", ADMIN_KEY),
            Client("engine", "sync_engine", ENGINE_KEY),
            Client("portal", "portal", PORTAL_KEY),
        ]
    )
    defaults: dict[str, Any] = {
        "clock": SimClock(),
        "keys": keys,
        "webhook_transport": MemoryReceiver(),
        "webhook_retry": RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002),
    }
    return SimulatorSettings(**{**defaults, **overrides})


def make_app(settings: SimulatorSettings) -> FastAPI:
    runtime = Runtime("notes", settings)
    store = NoteStore(runtime)
    return build_app(runtime, title="notes", state=store, routers=[notes_router(store)])


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings() -> SimulatorSettings:
    return make_settings()


@pytest.fixture
def app(settings: SimulatorSettings) -> FastAPI:
    return make_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://notes", headers=auth(ENGINE_KEY)
    ) as client:
        yield client
    await app.state.runtime.webhooks.aclose()
