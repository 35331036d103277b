"""Each SUT adapter really starts a system under test between the served simulators and stops it.

``serve`` and ``command:`` start real processes (the reference engine through
``splitbrain engine serve --contract``); ``http:URL`` joins one the test started itself. A
portal sign-up reaching the CRM as one tokenized contact proves the SUT got the contract.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.sut import CommandSut, SutStartError, free_port, parse_sut
from splitbrain.harness.world import Ports, World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "ops": "intake_ops"}, seed=9
)
SERVE = [sys.executable, "-c", "from splitbrain.cli import main; main()", "engine", "serve"]
ACCOUNT = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
           "email": "ana.quill@example.org", "phone": "+1-212-555-0142"}  # fmt: skip


def _world() -> World:
    return World(SimulatorSettings(keys=KEYS))


def _sign_up_travels(run: LiveRun) -> None:
    response = run.call("portal", "POST", "/accounts", client="pat", json=ACCOUNT)
    assert response.status_code == 201, response.text
    run.quiesce()
    contacts = run.call("crm", "GET", "/contacts").json()
    items = contacts["items"] if isinstance(contacts, dict) else contacts
    assert [c["patient_ref"][:4] for c in items] == ["tok_"]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_reference_adapter_runs_the_engine_in_process(tmp_path: Path) -> None:
    with LiveRun.start(_world(), matrix=default_matrix(), workdir=tmp_path) as run:
        _sign_up_travels(run)

        assert run.service is not None
        assert run.sut.idle() is True
    assert (tmp_path / "contract.json").exists()


def test_the_serve_adapter_runs_the_engine_as_its_own_process(tmp_path: Path) -> None:
    sut = parse_sut("serve")
    assert isinstance(sut, CommandSut)

    with LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path) as run:
        _sign_up_travels(run)
        pid = sut.process.pid if sut.process else -1

        assert run.service is None
        assert sut.idle() is True
    assert (tmp_path / "engine.sqlite").exists()
    assert _gone(pid)


def test_the_command_adapter_hands_the_contract_over_in_the_environment(tmp_path: Path) -> None:
    script = f'exec {shlex.join(SERVE)} --contract "$SPLITBRAIN_CONTRACT" --store memory'
    sut = parse_sut(f"command:sh -c {shlex.quote(script)}")

    with LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path) as run:
        _sign_up_travels(run)
        assert isinstance(sut, CommandSut)
        pid = sut.process.pid if sut.process else -1
    assert _gone(pid)


def test_a_command_that_exits_early_is_reported_with_its_output_tail(tmp_path: Path) -> None:
    code = "import sys; print('no config for ehr', file=sys.stderr); sys.exit(3)"
    sut = CommandSut([sys.executable, "-c", code])

    with pytest.raises(SutStartError) as caught:
        LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path)

    message = str(caught.value)
    assert "exited with code 3" in message
    assert "no config for ehr" in message
    assert "SPLITBRAIN_SUT_PORT" in message


def test_a_command_that_never_listens_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    sut = CommandSut([sys.executable, "-c", "import time; time.sleep(60)"], start_timeout=0.5)

    with pytest.raises(SutStartError, match=r"did not listen on .* within 0.5s"):
        LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path)

    assert sut.process is None


def test_a_command_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    code = (
        "import os, signal, socket, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "s = socket.create_server((os.environ['SPLITBRAIN_SUT_HOST'], "
        "int(os.environ['SPLITBRAIN_SUT_PORT']))); time.sleep(60)"
    )
    sut = CommandSut([sys.executable, "-c", code])
    sut.stop_timeout = 0.5
    run = LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path)
    process = sut.process
    assert process is not None

    run.stop()

    assert process.returncode == -signal.SIGKILL


def test_without_an_idle_endpoint_quiescence_is_a_quiet_history(tmp_path: Path) -> None:
    code = (
        "import os, socket, time; s = socket.create_server((os.environ['SPLITBRAIN_SUT_HOST'], "
        "int(os.environ['SPLITBRAIN_SUT_PORT']))); time.sleep(60)"
    )
    sut = CommandSut([sys.executable, "-c", code], idle=None)
    with LiveRun.start(_world(), matrix=default_matrix(), sut=sut, workdir=tmp_path) as run:
        run.call("portal", "POST", "/accounts", client="pat", json=ACCOUNT)

        run.quiesce(quiet=0.3)

        assert sut.idle() is None
        assert run.status()["sut_idle"] is None


@pytest.fixture
def running_engine(tmp_path: Path) -> Iterator[tuple[str, Ports]]:
    """An engine started before the world, on fixed ports it was told about (http:URL)."""
    ports = Ports(ehr=free_port(), crm=free_port(), portal=free_port(), mllp=free_port())
    port = free_port()
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        "\n".join(f"{c.name}: {{key: {c.key}, role: {c.role}}}" for c in KEYS.clients())
    )
    local = "http://127.0.0.1"
    argv = [*SERVE, "--keys", str(keys), "--store", "memory", "--no-register", "--port",
            str(port), "--ehr", f"{local}:{ports.ehr}/fhir", "--crm", f"{local}:{ports.crm}",
            "--portal", f"{local}:{ports.portal}"]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}", ports
    finally:
        process.terminate()
        process.wait(10)


def test_the_http_adapter_joins_an_engine_that_is_already_running(
    tmp_path: Path, running_engine: tuple[str, Ports]
) -> None:
    url, ports = running_engine
    sut = parse_sut(f"http:{url}")

    with LiveRun.start(
        _world(), matrix=default_matrix(), sut=sut, ports=ports, workdir=tmp_path
    ) as run:
        endpoints = {
            s: Endpoint(run.addresses[s], run.contract.key) for s in ("ehr", "crm", "portal")
        }
        register_receivers(endpoints, url)  # what the running engine does once the world is up
        _sign_up_travels(run)

        assert run.contract.sut_base == url
