"""FHIR Patient creates and reads per second on one uvicorn worker, validation on.

Usage: ``.venv/bin/python bench/bench_fhir.py [--patients 4000] [--clients 2]
[--connections 8] [--rounds 2]``

The EHR runs in its own process (one uvicorn worker on loopback, R4B validation on, the same
``create_app`` as ``python -m simulators.ehr``). The load comes from ``--clients`` processes,
each one keep-alive ``httpx.AsyncClient`` with ``--connections`` concurrent connections (one
httpx process cannot saturate the server). Each round measures creates, then reads, with
history recording on, then with it off (switched through ``/_admin/history/recording``; the
store is reset between phases). Baseline, same run, same uvicorn settings and clients: a bare
FastAPI app whose POST reads the body and answers a constant, and whose GET answers a constant.
Reported: the best round's operations/s, the server's own CPU time per operation (from /proc,
so it holds when other processes share the cores) with the one-core capacity it implies, the
ratios to the baseline, and the recording overhead (off/on). Target: >= 1,000 creates/s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response

from simulators._shared import Client, KeyRing, SimulatorSettings, SystemClock
from simulators.ehr import create_app

ENGINE = {"Authorization": "Bearer bench-engine-key"}
ADMIN = {"Authorization": "Bearer bench-admin-key"}


def _patient(i: int) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:2.999.1", "value": f"BENCH-{i:07d}"}],
        "active": True,
        "name": [{"use": "official", "family": f"Testperson{i}", "given": ["Bench", "Synthetic"]}],
        "gender": "unknown",
        "birthDate": f"19{50 + i % 50:02d}-0{1 + i % 9}-1{i % 9}",
        "telecom": [
            {"system": "phone", "value": f"+1-555-01{i % 100:02d}", "use": "mobile"},
            {"system": "email", "value": f"bench{i}@example.org"},
        ],
        "address": [{"line": [f"{i} Bench St"], "city": "Testville", "postalCode": "00000"}],
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(base: str, kind: str, items: list[Any], connections: int) -> list[str]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=base, headers=ENGINE, limits=limits, timeout=60) as c:
        queue = iter(items)

        async def worker() -> None:
            for item in queue:
                if kind == "create":
                    response = await c.post("/fhir/Patient", json=_patient(item))
                    ids.append(response.json()["id"])
                else:
                    response = await c.get(f"/fhir/Patient/{item}")
                if response.status_code not in (200, 201):
                    raise SystemExit(f"{kind} answered {response.status_code}")

        await asyncio.gather(*(worker() for _ in range(connections)))
    return ids


def _client(base: str, kind: str, items: list[Any], connections: int, out: Any) -> None:
    started = time.monotonic()
    ids = asyncio.run(_drive(base, kind, items, connections))
    out.put((started, time.monotonic(), ids))


def _load(
    base: str,
    pid: int,
    kind: str,
    items: list[Any],
    args: argparse.Namespace,
) -> tuple[float, float, list[str]]:
    """Run ``items`` across the client processes; returns (ops/s, server CPU us/op, ids)."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    slices = [items[k :: args.clients] for k in range(args.clients)]
    cpu_before = _cpu_seconds(pid)
    workers = [
        context.Process(target=_client, args=(base, kind, part, args.connections, out))
        for part in slices
    ]
    for process in workers:
        process.start()
    results = [out.get() for _ in workers]
    for process in workers:
        process.join()
    cpu = (_cpu_seconds(pid) - cpu_before) / len(items) * 1e6
    wall = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    return len(items) / wall, cpu, [i for _, _, ids in results for i in ids]


def _phase(
    base: str, pid: int, args: argparse.Namespace, recording: bool | None
) -> dict[str, float]:
    """One measurement; ``recording`` None for the bare baseline (it has no /_admin)."""
    if recording is not None:
        with httpx.Client(base_url=base, headers=ADMIN) as admin:
            admin.post("/_admin/reset")
            admin.put("/_admin/history/recording", json={"enabled": recording})
    creates, create_cpu, ids = _load(base, pid, "create", list(range(args.patients)), args)
    reads, read_cpu, _ = _load(base, pid, "read", ids, args)
    return {"creates": creates, "create_cpu": create_cpu, "reads": reads, "read_cpu": read_cpu}


def _run_ehr(port: int) -> None:
    keys = KeyRing(
        [
            Client("admin", "admin", ADMIN["Authorization"][7:]),
            Client("engine", "sync_engine", ENGINE["Authorization"][7:]),
        ]
    )
    app = create_app(SimulatorSettings(clock=SystemClock(), keys=keys))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _run_bare(port: int) -> None:
    app = FastAPI()

    @app.post("/fhir/Patient", status_code=201)
    async def create(request: Request) -> Response:
        await request.body()
        return Response(b'{"resourceType":"Patient","id":"1"}', status_code=201)

    @app.get("/fhir/Patient/{resource_id}")
    async def read(resource_id: str) -> Response:
        return Response(b'{"resourceType":"Patient","id":"1"}')

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _start(target: Any) -> tuple[Any, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = multiprocessing.get_context("spawn").Process(target=target, args=(port,))
    server.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/docs")
            return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("a server did not start within 60 s")


def _line(label: str, figures: dict[str, float]) -> str:
    capacity = 1e6 / figures["create_cpu"]
    return (
        f"  {label}: {figures['creates']:6.0f} creates/s {figures['reads']:6.0f} reads/s | "
        f"server CPU {figures['create_cpu']:5.0f} us/create ({capacity:5.0f}/s on one core), "
        f"{figures['read_cpu']:5.0f} us/read"
    )


def _report(
    args: argparse.Namespace, on: dict[str, float], off: dict[str, float], bare: dict[str, float]
) -> None:
    print(
        f"EHR FHIR Patient, one uvicorn worker, R4B validation on, {args.patients} patients, "
        f"{args.clients} httpx client processes x {args.connections} keep-alive connections, "
        f"best of {args.rounds} rounds; load average {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores"
    )
    print(_line("EHR, history on ", on))
    print(_line("EHR, history off", off))
    print(_line("bare FastAPI    ", bare))
    print("  target: >= 1,000 creates/s")
    print(
        f"  EHR/bare: creates/s {on['creates'] / bare['creates']:.3f}, "
        f"server CPU per create {on['create_cpu'] / bare['create_cpu']:.2f}x, "
        f"per read {on['read_cpu'] / bare['read_cpu']:.2f}x"
    )
    print(
        f"  history recording overhead (off/on): creates/s {off['creates'] / on['creates']:.3f}, "
        f"server CPU per create {on['create_cpu'] / off['create_cpu']:.3f}, "
        f"per read {on['read_cpu'] / off['read_cpu']:.3f}"
    )


def _rounds(
    target: Any, args: argparse.Namespace, modes: tuple[bool | None, ...]
) -> list[dict[str, float]]:
    """The best round (by creates/s) of each mode, in ``modes`` order."""
    server, base = _start(target)
    try:
        warm = argparse.Namespace(**{**vars(args), "patients": min(args.patients, 500)})
        _phase(base, server.pid, warm, modes[0])
        rounds = [
            [_phase(base, server.pid, args, mode) for mode in modes] for _ in range(args.rounds)
        ]
    finally:
        server.terminate()
        server.join(timeout=10)
    return [max((r[k] for r in rounds), key=lambda f: f["creates"]) for k in range(len(modes))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    (bare,) = _rounds(_run_bare, args, (None,))
    on, off = _rounds(_run_ehr, args, (True, False))
    _report(args, on, off, bare)


if __name__ == "__main__":
    main()
