"""``splitbrain sim up``: the EHR, CRM, portal and MLLP listener on ports, one shared clock.

Example::

    splitbrain sim up --population 100 --seed 7
    # EHR     http://127.0.0.1:8001/fhir   (docs http://127.0.0.1:8001/docs)
    # CRM     http://127.0.0.1:8002        (docs http://127.0.0.1:8002/docs)
    # portal  http://127.0.0.1:8003        (docs http://127.0.0.1:8003/docs)
    # MLLP    mllp://127.0.0.1:2575
    # keys    .splitbrain/keys.yaml: admin (admin), engine (sync_engine), ...

``--keys FILE`` takes a YAML file ``{client: {key: K, role: R}}`` with at least one client of
role ``admin``; without it fresh keys are written to ``.splitbrain/keys.yaml`` (mode 0600), the
client ``admin`` holding the admin key. Ctrl-C (or SIGTERM) stops every server cleanly. Exit 2
when a port is taken or the keys file cannot be used.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from simulators._shared import (
    Clock,
    ConfigurationError,
    KeyRing,
    SimClock,
    SimulatorSettings,
    SystemClock,
)
from splitbrain.harness.errors import WorldError
from splitbrain.harness.world import Ports, World

app = typer.Typer(help="Run the simulated world (EHR, CRM, portal, MLLP).", no_args_is_help=True)

DEFAULT_KEYS_FILE = Path(".splitbrain/keys.yaml")
#: The clients a generated key file holds, by role.
GENERATED_CLIENTS: dict[str, str] = {
    "admin": "admin",
    "engine": "sync_engine",
    "coordinator": "care_coordinator",
    "intake": "intake_ops",
    "growth": "growth_ops",
    "provider": "provider",
    "patient": "patient",
}


class ClockKind(StrEnum):
    simulated = "simulated"
    system = "system"


@app.command("up")
def up(
    *,
    population: Annotated[
        int, typer.Option(min=0, help="Persons to seed each simulator with.")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 0,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    ehr_port: Annotated[int, typer.Option(min=0, max=65535)] = 8001,
    crm_port: Annotated[int, typer.Option(min=0, max=65535)] = 8002,
    portal_port: Annotated[int, typer.Option(min=0, max=65535)] = 8003,
    mllp_port: Annotated[int, typer.Option(min=0, max=65535)] = 2575,
    keys: Annotated[
        Path | None, typer.Option(help="YAML {client: {key, role}}; default: generate.")
    ] = None,
    keys_out: Annotated[
        Path, typer.Option(help="Where generated keys are written (mode 0600).")
    ] = DEFAULT_KEYS_FILE,
    clock: Annotated[
        ClockKind, typer.Option(help="simulated: moves only via /_admin/clock.")
    ] = ClockKind.simulated,
) -> None:
    """Start the EHR (FHIR R4 + MLLP), CRM and portal simulators; Ctrl-C stops them."""
    try:
        ring, keys_file = _key_ring(keys, keys_out)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    settings = SimulatorSettings(clock=_clock(clock), keys=ring, seed=seed)
    ports = Ports(ehr=ehr_port, crm=crm_port, portal=portal_port, mllp=mllp_port)
    try:
        asyncio.run(
            _run(
                World(settings), host, ports, population=population, seed=seed, keys_file=keys_file
            )
        )
    except WorldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


async def _run(
    world: World, host: str, ports: Ports, *, population: int, seed: int, keys_file: Path
) -> None:
    if population > 0:
        report = world.seed_population(population, seed)
        typer.echo(f"seeded {population} persons (seed {seed}): " + _seeded(report))
    await world.start(host, ports)
    _announce(world, keys_file)
    signum = await world.serve_until_signal()
    typer.echo(f"stopped on signal {signum}; every server closed")


def _announce(world: World, keys_file: Path) -> None:
    addresses = world.addresses()
    for system, label in (("ehr", "EHR"), ("crm", "CRM"), ("portal", "portal")):
        base = addresses[system].removesuffix("/fhir")
        typer.echo(f"{label:<7} {addresses[system]:<32} (docs {base}/docs)")
    typer.echo(f"{'MLLP':<7} {addresses['mllp']}")
    clients = ", ".join(f"{c.name} ({c.role})" for c in world.settings.keys.clients())
    typer.echo(f"{'keys':<7} {keys_file}: {clients}")
    typer.echo(
        f"{'clock':<7} {world.settings.clock.now().isoformat()}; "
        "move it with POST /_admin/clock/advance on any simulator"
    )
    typer.echo("ready; Ctrl-C stops")


def _seeded(report: dict[str, dict[str, Any]]) -> str:
    def counts(found: object) -> str:
        pairs = found.items() if isinstance(found, dict) else ()
        return ", ".join(f"{n} {kind}" for kind, n in pairs)

    ehr, crm, portal = report["ehr"], report["crm"], report["portal"]
    return (
        f"ehr ({counts(ehr.get('by_type'))}); crm ({counts(crm.get('created'))}); "
        f"portal ({counts(portal.get('created'))})"
    )


def _clock(kind: ClockKind) -> Clock:
    if kind is ClockKind.system:
        return SystemClock()
    return SimClock(datetime.now(UTC).replace(microsecond=0))


def _key_ring(keys: Path | None, keys_out: Path) -> tuple[KeyRing, Path]:
    if keys is not None:
        return _load_keys(keys), keys
    ring = KeyRing.generate(GENERATED_CLIENTS)
    _write_private(keys_out, yaml.safe_dump(ring.to_mapping(), sort_keys=False))
    return ring, keys_out


def _load_keys(path: Path) -> KeyRing:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"keys file {path}: cannot be read as YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"keys file {path}: expected a mapping {{client: {{key: K, role: R}}}}"
        )
    try:
        ring = KeyRing.from_mapping(data)
        ring.admin()
    except ConfigurationError as exc:
        raise ConfigurationError(f"keys file {path}: {exc.message}") from None
    return ring


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
