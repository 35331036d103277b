"""EHR -> CRM sync latency through the engine service, beside a bare two-hop relay, same run.

    python bench/bench_sync_latency.py [--rate 200] [--seconds 10] [--patients 40]
        [--store sqlite|postgresql|both] [--revocations 20] [--sut serve|reference]
        [--driver process|thread] [--window N] [--loop uvloop|asyncio]

Each phase serves a fresh world (EHR, CRM, portal) on loopback ports and drives an open-loop
stream of chart edits (``PUT /Patient/{id}``, a new birth date each time) at ``--rate`` per
second. Latency is read from the simulators' histories, never from sleeps: from the EHR's
``ok`` of the edit to the CRM's ``ok`` of the write that carries it (matched by the write's
Idempotency-Key, ``ehr:Patient/{id}@{version}:date_of_birth>crm...``). Phases:

1. baseline: a minimal forwarder (FHIR notification in, CRM ``PATCH`` out with the same key, no
   decisions, no store), subscribed to the EHR the way the engine is; with ``--sut serve`` it
   runs as its own process (uvicorn), as the engine does;
2. the engine service on SQLite (WAL) and/or a throwaway PostgreSQL cluster (as
   tests/postgres_server.py starts one): ``--sut serve`` (the default) runs it as its own process
   (``splitbrain engine serve --contract``, a real deployment: the engine apart from the
   systems); ``--sut reference`` runs it in this process beside the world (one GIL for all).

The world's simulators run in one event loop thread of this process; the fixed-rate driver runs
in its own process (``--driver process``, the default) or in threads of this one, never in the
world's loop.
3. revocation propagation, under the same edit stream: portal revoke ``ok`` -> CRM consent
   flag write ``ok`` (matched by the consent's event id in the key).

``--window`` sets the simulators' webhook window per endpoint (deliveries of distinct records
under way at once, ``SimulatorSettings.webhook_window``; default 1, the simulators' own: one
delivery at a time in publish order), for the relay and the engine alike. A CPU line per phase
gives the CPU milliseconds per edit of the world (this process), the SUT and the driver: on a
shared 2-core machine their sum, not queueing, bounds the sustainable rate.

Targets (issue 6): p99 <= 50 ms at 200/s; p50 <= 3x the relay's p50; revocation p99 <= 250 ms.
Edits the engine superseded before sending (a newer birth date overtook an older one) are
counted apart, not as latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_edit_driver import edit_stream

from simulators._shared import KeyRing, SimulatorSettings
from simulators._shared.webhook_lanes import DEFAULT_WINDOW
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.sut import free_port, wait_for_port
from splitbrain.harness.world import AppServer, Ports, World

_DRIVER = Path(__file__).resolve().parent / "sync_edit_driver.py"

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "doc": "provider",
     "ops": "intake_ops"},
    seed=23,
)  # fmt: skip
SLOT = {"purpose": "HMARKT", "channel": "sms"}


@dataclass(frozen=True)
class Figures:
    name: str
    latencies_ms: list[float]
    unsynced: int
    sent: int
    achieved_rate: float
    cpu: dict[str, float] | None = None
    """CPU seconds spent during the edit stream and its settling, by process."""

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.name:<22} n={len(self.latencies_ms):>5}  p50 {self.pct(50):7.1f} ms  "
            f"p95 {self.pct(95):7.1f} ms  p99 {self.pct(99):7.1f} ms  "
            f"mean {statistics.fmean(self.latencies_ms or [0]):6.1f} ms  "
            f"unsynced {self.unsynced}/{self.sent}  offered {self.achieved_rate:5.0f}/s"
        )

    def cpu_line(self) -> str:
        """CPU milliseconds per edit, by process: what a rate costs, whatever else runs."""
        if not self.cpu or not self.sent:
            return ""
        parts = "  ".join(f"{k} {v * 1000 / self.sent:5.2f}" for k, v in self.cpu.items())
        return f"{'':<22} CPU ms per edit: {parts}"


def _cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads); this one when None."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _CpuMeter:
    """CPU seconds of the world (this process) and the SUT process (the driver reports its own)."""

    def __init__(self, sut_pid: int | None) -> None:
        self._sut = sut_pid
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        out = {"world": _cpu_of(None)}
        if self._sut is not None:
            out["sut"] = _cpu_of(self._sut)
        return out

    def spent(self, driver: float | None) -> dict[str, float]:
        now = self._now()
        spent = {k: now[k] - self._start[k] for k in now}
        return spent if driver is None else {**spent, "driver": driver}


# -- driving ---------------------------------------------------------------------------------
def _client(base: str, name: str) -> httpx.Client:
    key = KEYS.by_name(name).key
    return httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {key}"})


def _patients(ehr: str, count: int) -> list[dict[str, Any]]:
    with _client(ehr, "doc") as doc:
        out = []
        for n in range(count):
            patient = {"resourceType": "Patient", "birthDate": "1970-01-01",
                       "name": [{"family": f"Bench{n:03d}", "given": [f"P{n}"]}]}  # fmt: skip
            created = doc.post("/Patient", json=patient)
            created.raise_for_status()
            out.append(created.json())
        return out


def _drive(
    ehr: str,
    patients: list[dict[str, Any]],
    args: argparse.Namespace,
    during: Callable[[], None] | None = None,
) -> tuple[int, float, float | None]:
    """The edit stream, in this process (``--driver thread``) or in its own (``process``, the
    light ``sync_edit_driver.py``: its HTTP client work then takes no CPU from the world's loop).
    ``(sent, offered rate, the driver process's CPU seconds during the stream or None)``."""
    key = KEYS.by_name("doc").key
    if args.driver == "thread":
        return (*edit_stream(ehr, key, patients, args.rate, args.seconds, during), None)
    spec = {"ehr": ehr, "key": key, "patients": patients, "rate": args.rate,
            "seconds": args.seconds}  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as side:
        pending = side.submit(during) if during is not None else None
        done = subprocess.run([sys.executable, str(_DRIVER)], check=True,
                              input=json.dumps(spec).encode(), capture_output=True)  # fmt: skip
        if pending is not None:
            pending.result()
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return int(figures["sent"]), float(figures["rate"]), float(figures["cpu"])


# -- measuring -------------------------------------------------------------------------------
def _ops(world: World, system: str) -> list[dict[str, Any]]:
    text = world.runtime(system).history.export_jsonl()
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def _sync_latencies(world: World) -> tuple[list[float], int]:
    edits = {}
    for op in _ops(world, "ehr"):
        if op["type"] == "ok" and op["f"] == "write" and str(op["key"]).startswith("Patient/"):
            edits[f"ehr:{op['key']}@{op['new_version']}:date_of_birth>crm"] = op["mono_ns"]
    landed: dict[str, int] = {}
    for op in _ops(world, "crm"):
        key = op.get("idempotency_key") or ""
        if op["type"] == "ok" and key.startswith("ehr:Patient/"):
            base = key.split(">crm")[0] + ">crm"
            landed.setdefault(base, op["mono_ns"])
    found = [(landed[k] - t0) / 1e6 for k, t0 in edits.items() if k in landed]
    return found, len(edits) - len(found)


def _revocation_latencies(world: World, consents: dict[str, str]) -> list[float]:
    """``consents``: account id -> consent event prefix (``portal:Consent/{id}@{version}``)."""
    revoked = {}
    for op in _ops(world, "portal"):
        if op["type"] == "ok" and op["f"] == "consent.revoke":
            account = str(op["key"]).removeprefix("Account/")
            if account in consents:
                revoked[consents[account]] = op["mono_ns"]
    out = []
    for op in _ops(world, "crm"):
        key = op.get("idempotency_key") or ""
        prefix = key.split(">crm")[0]
        if op["type"] == "ok" and prefix in revoked:
            out.append((op["mono_ns"] - revoked.pop(prefix)) / 1e6)
    return out


def _quiet(world: World, idle: Callable[[], bool], timeout: float = 120) -> None:
    deadline, calm, seen = time.monotonic() + timeout, 0, -1
    while time.monotonic() < deadline:
        count = sum(len(world.runtime(s).history) for s in ("ehr", "crm", "portal"))
        pending = sum(world.runtime(s).webhooks.pending() for s in ("ehr", "crm", "portal"))
        calm = calm + 1 if (count == seen and not pending and idle()) else 0
        if calm >= 3:
            return
        seen = count
        time.sleep(0.2)
    raise SystemExit(f"the run did not settle within {timeout}s")


# -- the baseline relay ----------------------------------------------------------------------
def _relay_app(crm: str, contacts: dict[str, str]) -> FastAPI:
    app = FastAPI()
    key = KEYS.by_name("engine").key
    http = httpx.AsyncClient(base_url=crm, timeout=30, headers={"Authorization": f"Bearer {key}"})

    @app.put("/hooks/ehr/{kind}/{ident}")
    async def hook(kind: str, ident: str, request: Request) -> JSONResponse:
        resource = orjson.loads(await request.body())
        version = resource["meta"]["versionId"]
        key = f"ehr:Patient/{ident}@{version}:date_of_birth>crm"
        if kind == "Patient" and ident in contacts:
            await http.patch(f"/contacts/{contacts[ident]}",
                             json={"birth_date": resource.get("birthDate")},
                             headers={"Idempotency-Key": key})  # fmt: skip
        return JSONResponse({"ok": True})

    @app.post("/hooks/ehr")
    async def ping() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app


@contextmanager
def _world_loop(window: int) -> Iterator[tuple[World, asyncio.AbstractEventLoop]]:
    world = _world(window)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(world.start("127.0.0.1", Ports(0, 0, 0, 0)), loop).result(30)
    try:
        yield world, loop
    finally:
        asyncio.run_coroutine_threadsafe(world.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@contextmanager
def _relay_server(
    loop: asyncio.AbstractEventLoop, crm: str, contacts: dict[str, str], apart: bool
) -> Iterator[str]:
    """The relay in the world's loop, or (``apart``) as its own process, like the engine."""
    if not apart:
        server = AppServer("relay", _relay_app(crm, contacts), "127.0.0.1", 0)
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
        try:
            yield server.url
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        return
    port = free_port()
    spec = Path(tempfile.mkdtemp(prefix="bench-relay-")) / "relay.json"
    spec.write_text(json.dumps({"crm": crm, "contacts": contacts, "port": port}))
    process = subprocess.Popen([sys.executable, __file__, "--serve-relay", str(spec)],
                               env={**os.environ})  # fmt: skip
    _RELAYS[f"http://127.0.0.1:{port}"] = process.pid
    try:
        if not wait_for_port("127.0.0.1", port, 30, alive=lambda: process.poll() is None):
            raise SystemExit("the relay process did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(spec.parent, ignore_errors=True)


_RELAYS: dict[str, int] = {}
"""Relay URL -> its process id (``--sut serve``), for the CPU meter."""


def _relay_pid(url: str) -> int | None:
    return _RELAYS.get(url)


def _serve_relay(spec: Path) -> None:
    import uvicorn

    found = json.loads(spec.read_text())
    app = _relay_app(found["crm"], found["contacts"])
    uvicorn.run(app, host="127.0.0.1", port=int(found["port"]), log_level="warning")


def _world(window: int) -> World:
    return World(SimulatorSettings(keys=KEYS, webhook_window=window))


def relay_phase(args: argparse.Namespace) -> Figures:
    with _world_loop(args.window) as (world, loop):
        addresses = world.addresses()
        patients = _patients(addresses["ehr"], args.patients)
        contacts = {}
        with _client(addresses["crm"], "ops") as ops:
            for patient in patients:
                made = ops.post("/contacts", json={"first_name": "P", "last_name": patient["id"]})
                contacts[str(patient["id"])] = str(made.json()["id"])
        apart = args.sut == "serve"
        with _relay_server(loop, addresses["crm"], contacts, apart) as url:
            subscription = {"resourceType": "Subscription", "status": "requested",
                            "criteria": "Patient", "reason": "bench relay",
                            "channel": {"type": "rest-hook", "endpoint": f"{url}/hooks/ehr",
                                        "payload": "application/fhir+json"}}  # fmt: skip
            with _client(addresses["ehr"], "engine") as engine:
                engine.post("/Subscription", json=subscription).raise_for_status()
            meter = _CpuMeter(_relay_pid(url))
            sent, rate, driver = _drive(addresses["ehr"], patients, args)
            _quiet(world, lambda: True)
            cpu = meter.spent(driver)
            latencies, unsynced = _sync_latencies(world)
    return Figures("relay (baseline)", latencies, unsynced, sent, rate, cpu)


# -- the engine ------------------------------------------------------------------------------
def engine_phase(args: argparse.Namespace, store: str, label: str) -> tuple[Figures, Figures]:
    world = _world(args.window)
    with LiveRun.start(world, matrix=default_matrix(), sut=args.sut, store=store) as run:
        patients = _patients(run.addresses["ehr"], args.patients)
        consents = _accounts(run, args.revocations)
        run.quiesce(timeout=120)
        ehr = run.addresses["ehr"]
        revoker = _revoker(run, consents, args.seconds)
        process = getattr(run.sut, "process", None)
        meter = _CpuMeter(process.pid if process is not None else None)
        sent, rate, driver = _drive(ehr, patients, args, during=revoker)
        run.quiesce(timeout=180)
        cpu = meter.spent(driver)
        latencies, unsynced = _sync_latencies(world)
        revocations = _revocation_latencies(world, consents)
    sync = Figures(f"engine ({label})", latencies, unsynced, sent, rate, cpu)
    return sync, Figures(f"revocation ({label})", revocations, len(consents) - len(revocations),
                         len(consents), rate)  # fmt: skip


def _accounts(run: LiveRun, count: int) -> dict[str, str]:
    """Portal accounts with marketing texts granted; account id -> ''. (filled at revoke)"""
    out = {}
    for n in range(count):
        account = {"given_name": f"R{n}", "family_name": f"Revoker{n:03d}",
                   "birth_date": "1980-05-05", "email": f"r{n}@example.org"}  # fmt: skip
        made = run.call("portal", "POST", "/accounts", client="pat", json=account).json()
        run.call("portal", "POST", f"/accounts/{made['id']}/consents/grant", client="pat",
                 json=SLOT)  # fmt: skip
        out[str(made["id"])] = ""
    return out


def _revoker(run: LiveRun, consents: dict[str, str], seconds: float) -> Callable[[], None]:
    def revoke_all() -> None:
        gap = seconds / max(1, len(consents) + 1)
        for account in list(consents):
            time.sleep(gap)
            answer = run.call("portal", "POST", f"/accounts/{account}/consents/revoke",
                              client="pat", json=SLOT).json()  # fmt: skip
            consents[account] = f"portal:Consent/{answer['id']}@{answer['version']}"

    return revoke_all


@contextmanager
def _postgres() -> Iterator[str | None]:
    from tests.postgres_server import ThrowawayCluster, server_bindir

    bindir = server_bindir()
    if bindir is None:
        print("PostgreSQL server binaries not found (apt-get install postgresql); skipped")
        yield None
        return
    cluster = ThrowawayCluster(bindir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--revocations", type=int, default=20)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--sut", choices=["serve", "reference"], default="serve",
                        help="serve: the engine (and the relay) as their own processes; "
                        "reference: in this process beside the world")  # fmt: skip
    parser.add_argument("--driver", choices=["process", "thread"], default="process",
                        help="process: the edit stream from its own process; thread: from "
                        "threads of this one (beside the world's loop)")  # fmt: skip
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW,
                        help="webhook deliveries under way per endpoint (1: serial)")  # fmt: skip
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop",
                        help="the world's event loop (uvicorn serves on uvloop when installed, "
                        "as the engine and the relay processes do)")  # fmt: skip
    parser.add_argument("--serve-relay", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_relay is not None:
        _serve_relay(args.serve_relay)
        return
    if args.loop == "uvloop":  # the world's loops (this script's and LiveRun's) are made after
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    print(f"{args.rate:g} edits/s for {args.seconds:g} s over {args.patients} charts, "
          f"engine: {args.sut}, driver: {args.driver}, webhook window: {args.window}, "
          f"world loop: {args.loop}")  # fmt: skip
    relay = relay_phase(args)
    print(relay.line())
    print(relay.cpu_line())
    rows = []
    if args.store in ("sqlite", "both"):
        scratch = Path(tempfile.mkdtemp(prefix="bench-sync-"))
        try:
            rows.append(engine_phase(args, f"sqlite:{scratch / 'engine.sqlite'}", "sqlite"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if args.store in ("postgresql", "both"):
        with _postgres() as dsn:
            if dsn is not None:
                rows.append(engine_phase(args, dsn, "postgresql"))
    for sync, revocation in rows:
        ratio = sync.pct(50) / relay.pct(50) if relay.latencies_ms else float("nan")
        print(sync.line())
        print(sync.cpu_line())
        print(
            f"{'':<22} p50 ratio vs relay {ratio:.2f}x (target <= 3x); "
            f"p99 target <= 50 ms: {'met' if sync.pct(99) <= 50 else 'MISSED'}"
        )
        print(revocation.line().replace(" offered", " (under the stream) offered"))
        print(
            f"{'':<22} revocation p99 target <= 250 ms: "
            f"{'met' if revocation.pct(99) <= 250 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
