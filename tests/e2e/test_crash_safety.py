"""SIGKILL the engine process mid-run, restart it on the same store: nothing lost, nothing twice.

The world runs on loopback ports; the reference engine runs as its own process
(``splitbrain engine serve --contract``, SQLite in the run's workdir). A seeded stream of changes
(portal sign-ups, consent grants and revocations, chart registrations, CRM edits of EHR-owned
fields) is made while the engine is SIGKILLed at seeded moments and started again on the same
store (the simulators retry their webhooks while it is down). After quiescence:

- every event the engine acknowledged is in a terminal state, none dead-lettered, and every
  effect it planned is sent or deliberately cancelled (nothing pending, nothing dead);
- no simulator gave up on a webhook (no event lost on the way in);
- each person who signed up is one CRM contact (replays made no second one);
- the checker finds zero anomalies in the histories (no lost update, no double effect, no
  stale overwrite, no message after revocation, no PHI leak).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators._shared import KeyRing, RetryPolicy, SimulatorSettings
from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxState
from splitbrain.harness.checker import HistorySource, check, render_text
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.sut.process import CommandSut, ServeSut
from splitbrain.harness.world import SYSTEMS, World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "ops": "intake_ops",
     "growth": "growth_ops", "doc": "provider"},
    seed=17,
)  # fmt: skip
PATIENT_RETRY = RetryPolicy(max_attempts=240, base_delay=0.05, max_delay=0.5)
"""The simulators keep retrying a webhook for about a minute: longer than a restart takes."""
GIVEN = ("Ana", "Bea", "Cai", "Dov", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kit", "Lea")
FAMILY = ("Quill", "Marsh", "Penn", "Rook", "Sable", "Thorn", "Vale", "Wren")


@dataclass
class Person:
    given: str
    family: str
    birth_date: str
    email: str
    account: str | None = None
    patient: str | None = None


class Crashes:
    """The engine process under the run: SIGKILL it, start it again on the same store."""

    def __init__(self, run: LiveRun) -> None:
        self.run = run
        self.kills = 0

    def kill_and_restart(self) -> None:
        sut = self.run.sut
        assert isinstance(sut, CommandSut) and sut.process is not None
        os.killpg(sut.process.pid, signal.SIGKILL)
        sut.process.wait(10)
        self.kills += 1
        again = CommandSut(
            [sys.executable, "-c", "from splitbrain.cli import main; main()", "engine", "serve",
             "--contract", str(self.run.contract.path), "--no-register"],
            name="serve (restarted)",
        )  # fmt: skip
        sut.stop()  # closes its log and idle probe; the process is gone already
        again.start(self.run.contract)
        self.run.sut = again


@pytest.fixture
def run(tmp_path: Path) -> Iterator[LiveRun]:
    world = World(SimulatorSettings(keys=KEYS, webhook_retry=PATIENT_RETRY))
    live = LiveRun.start(world, matrix=default_matrix(), sut=ServeSut(), workdir=tmp_path)
    try:
        yield live
    finally:
        live.stop()


def _people(rng: random.Random, count: int) -> list[Person]:
    out = []
    for n in range(count):
        given, family = GIVEN[n % len(GIVEN)], FAMILY[rng.randrange(len(FAMILY))]
        birth = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(Person(given, family, birth, f"{given}.{family}{n}@example.org".lower()))
    return out


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, (response.request.url.path, response.status_code)
    body = response.json()
    return body if isinstance(body, dict) else {}


def _step(run: LiveRun, rng: random.Random, person: Person) -> None:
    """One change to ``person``: whichever comes next in their story."""
    if person.account is None:
        account = {"given_name": person.given, "family_name": person.family,
                   "birth_date": person.birth_date, "email": person.email}  # fmt: skip
        person.account = str(_ok(run.call("portal", "POST", "/accounts", client="pat",
                                          json=account))["id"])  # fmt: skip
    elif person.patient is None and rng.random() < 0.6:
        patient = {
            "resourceType": "Patient", "name": [{"family": person.family, "given": [person.given]}],
            "birthDate": person.birth_date,
            "telecom": [{"system": "email", "value": person.email}],
        }  # fmt: skip
        person.patient = str(_ok(run.call("ehr", "POST", "/Patient", client="doc",
                                          json=patient))["id"])  # fmt: skip
    else:
        verb = rng.choice(["grant", "revoke"])
        slot = {"purpose": "HMARKT", "channel": rng.choice(["sms", "email"])}
        path = f"/accounts/{person.account}/consents/{verb}"
        response = run.call("portal", "POST", path, client="pat", json=slot)
        assert response.status_code < 500, (path, response.status_code)


def _drive(run: LiveRun, seed: int, *, people: int, steps: int, kills: int) -> Crashes:
    rng = random.Random(seed)
    crowd = _people(rng, people)
    crash_at = set(rng.sample(range(3, steps), kills))
    crashes = Crashes(run)
    for n in range(steps):
        if n in crash_at:
            crashes.kill_and_restart()
        _step(run, rng, rng.choice(crowd))
    return crashes


def _store(run: LiveRun) -> SqliteSyncStore:
    return SqliteSyncStore.open(run.contract.workdir / "engine.sqlite")


def _identity_index(run: LiveRun) -> tuple[int, list[tuple[str, str]]]:
    """How many source records the engine's identity index holds, and those with no name, birth
    date or email: such a record can never match its person's later records, so it becomes a
    second person (how a replayed consent change made duplicates before it waited for its
    account)."""
    empty = " AND ".join(f"{f} IS NULL" for f in ("given", "family", "email", "date_of_birth"))
    with closing(sqlite3.connect(run.contract.workdir / "engine.sqlite")) as db:
        (filed,) = db.execute("SELECT count(*) FROM identity_records").fetchone()
        rows = db.execute(
            f"SELECT source_system, source_record_id FROM identity_records WHERE {empty}"
        ).fetchall()
    return int(filed), [(str(system), str(record)) for system, record in rows]


def _assert_crash_safe(run: LiveRun, crashes: Crashes, kills: int) -> None:
    run.quiesce(timeout=90)
    assert crashes.kills == kills
    for system in SYSTEMS:
        assert run.world.runtime(system).webhooks.dead_letters == [], system
    store = _store(run)
    try:
        items, effects = store.inbox(), store.outbox()
        incidents = store.incidents()
    finally:
        store.close()
    open_items = [i.event_id for i in items if not i.state.terminal]
    dead = [i.event_id for i in items if i.state is InboxState.DEAD_LETTERED]
    unsent = [e.effect_id for e in effects if e.state not in (OutboxState.SENT,
                                                              OutboxState.CANCELLED)]  # fmt: skip
    assert (open_items, dead, unsent, incidents) == ([], [], [], [])
    filed, empty = _identity_index(run)
    assert filed > 0 and empty == [], "a record was filed with no identity to match"
    contacts = _ok(run.call("crm", "GET", "/contacts", params={"limit": 500}))["items"]
    emails = [c.get("email") for c in contacts]
    assert len(emails) == len(set(emails)), "a replay made a second contact for one person"
    histories = [
        HistorySource.from_text(s, run.world.runtime(s).history.export_jsonl()) for s in SYSTEMS
    ]
    verdict = check(histories, default_matrix())
    assert verdict.ok, render_text(verdict)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_engine_restarted_on_its_store_loses_nothing_and_repeats_nothing(
    run: LiveRun, seed: int
) -> None:
    crashes = _drive(run, seed, people=6, steps=24, kills=2)

    _assert_crash_safe(run, crashes, kills=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 10))
def test_many_kills_under_a_longer_stream_lose_nothing(run: LiveRun, seed: int) -> None:
    crashes = _drive(run, seed, people=10, steps=60, kills=5)

    _assert_crash_safe(run, crashes, kills=5)
