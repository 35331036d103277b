"""``splitbrain sim up`` as a user runs it: a subprocess on free ports, one authenticated call to
each simulator, one MLLP message, then Ctrl-C (SIGINT) and a clean exit."""

from __future__ import annotations

import asyncio
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.client import MllpClient
from simulators.population import generate
from simulators.population.export.hl7v2 import adt_a04
from splitbrain.harness.errors import PortInUseError, WorldError
from splitbrain.harness.world import Ports, World

pytestmark = pytest.mark.e2e

_READY_TIMEOUT = 120.0


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _command() -> list[str]:
    script = Path(sys.executable).with_name("splitbrain")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from splitbrain.cli import main; main()"]


def _read_until_ready(proc: subprocess.Popen[str]) -> list[str]:
    """The lines sim up printed up to "ready" (a thread reads: pipes are block-buffered)."""
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stdout = proc.stdout

    def pump() -> None:
        for line in iter(stdout.readline, ""):
            lines.put(line.rstrip("\n"))
            if line.startswith("ready"):
                return
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if line.startswith("ready"):
            return seen
    raise AssertionError(f"sim up was not ready in {_READY_TIMEOUT}s (printed: {seen})")


@pytest.fixture
def sim_up(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[int], list[str]]]:
    ports = _free_ports(4)
    args = [
        "sim",
        "up",
        "--population",
        "3",
        "--seed",
        "5",
        "--ehr-port",
        str(ports[0]),
        "--crm-port",
        str(ports[1]),
        "--portal-port",
        str(ports[2]),
        "--mllp-port",
        str(ports[3]),
    ]
    proc = subprocess.Popen(
        [*_command(), *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc, ports, _read_until_ready(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


async def _send_adt(port: int) -> str:
    record = next(r for e in generate(1, seed=9) for r in e.records if r.system == "ehr")
    message = adt_a04(record, "SIMUP0001", "20250106090000")
    async with await MllpClient.connect("127.0.0.1", port) as client:
        ack = read_ack(await client.send(message.encode()))
    return f"{ack.code} {ack.acknowledged_id}"


def test_sim_up_serves_each_simulator_and_mllp_then_stops_cleanly_on_sigint(
    sim_up: tuple[subprocess.Popen[str], list[int], list[str]], tmp_path: Path
) -> None:
    proc, (ehr, crm, portal, mllp), printed = sim_up
    keys_file = tmp_path / ".splitbrain" / "keys.yaml"
    keys = yaml.safe_load(keys_file.read_text())
    engine = {"Authorization": f"Bearer {keys['engine']['key']}"}

    with httpx.Client(headers=engine, timeout=10) as http:
        patients = http.get(f"http://127.0.0.1:{ehr}/fhir/Patient")
        contacts = http.get(f"http://127.0.0.1:{crm}/contacts")
        accounts = http.get(f"http://127.0.0.1:{portal}/accounts")
        docs = httpx.get(f"http://127.0.0.1:{crm}/docs", timeout=10)
    ack = asyncio.run(_send_adt(mllp))
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    assert proc.stdout is not None
    tail = proc.stdout.read()

    assert f"http://127.0.0.1:{ehr}/fhir" in "\n".join(printed)
    assert f"mllp://127.0.0.1:{mllp}" in "\n".join(printed)
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert keys["admin"]["role"] == "admin"
    assert (patients.status_code, contacts.status_code, accounts.status_code) == (200, 200, 200)
    assert contacts.json()["total"] >= 1
    assert docs.status_code == 200
    assert ack == "AA SIMUP0001"
    assert code == 0
    assert "stopped on signal 2" in tail


def test_sim_up_refuses_a_keys_file_without_an_admin(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text(yaml.safe_dump({"engine": {"key": "sk-engine-1", "role": "sync_engine"}}))

    done = subprocess.run(
        [*_command(), "sim", "up", "--keys", str(keys)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2
    assert "role 'admin'" in done.stderr


def test_world_reports_a_taken_port_and_leaves_nothing_listening() -> None:
    async def scenario() -> tuple[str, int]:
        first = World()
        async with first.served("127.0.0.1", Ports(ehr=0, crm=0, portal=0, mllp=0)):
            taken = int(first.addresses()["crm"].rsplit(":", 1)[1])
            second = World()
            with pytest.raises(PortInUseError) as refused:
                await second.start("127.0.0.1", Ports(ehr=0, crm=taken, portal=0, mllp=0))
            with pytest.raises(WorldError):
                second.addresses()
            return str(refused.value), taken

    message, port = asyncio.run(scenario())

    assert f"127.0.0.1:{port}" in message
    assert "--crm-port" in message
