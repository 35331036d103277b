"""``splitbrain engine serve``: the reference engine as a service between running systems.

    splitbrain sim up &                                   # or a team's staging systems
    splitbrain engine serve --keys .splitbrain/keys.yaml --store sqlite:out/engine.sqlite

It listens for webhooks and FHIR notifications on ``--host:--port``, registers its receivers with
the EHR, CRM and portal (``--no-register`` to skip), and serves ``/metrics``, ``/idle`` and
``/status``. Under the harness (``splitbrain run --sut serve``) it takes everything from the
SUT contract instead (docs/sut-contract.md): ``engine serve --contract WORKDIR/contract.json``
listens on the contract's SUT host and port, its SQLite store in the contract's workdir.
Ctrl-C stops it cleanly; SIGKILL loses nothing (the inbox and outbox are durable).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
import yaml

from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.sut.contract import Contract
from splitbrain.harness.sut.errors import ContractError

app = typer.Typer(help="Run the reference sync engine as a service.", no_args_is_help=True)


@app.command()
def serve(
    *,
    keys: Annotated[
        Path | None, typer.Option(help="Keys YAML {client: {key, role}} (sim up writes it).")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="sqlite:PATH, postgresql://... or memory. [default: sqlite:out/engine/"
            "engine.sqlite, or WORKDIR/engine.sqlite with --contract]",
            show_default=False,
        ),
    ] = None,
    contract: Annotated[
        Path | None,
        typer.Option(
            help="A SUT contract JSON: take addresses, keys, matrix, host and port from it."
        ),
    ] = None,
    matrix: Annotated[Path | None, typer.Option(help="Ownership matrix YAML.")] = None,
    ehr: Annotated[
        str, typer.Option(help="The EHR's FHIR base URL.")
    ] = "http://127.0.0.1:8001/fhir",
    crm: Annotated[str, typer.Option(help="The CRM's base URL.")] = "http://127.0.0.1:8002",
    portal: Annotated[str, typer.Option(help="The portal's base URL.")] = "http://127.0.0.1:8003",
    host: Annotated[str, typer.Option(help="Where the engine listens.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The engine's port.")] = 8010,
    register: Annotated[bool, typer.Option(help="Register webhooks and Subscriptions.")] = True,
    client: Annotated[str, typer.Option(help="The engine's client name in the keys file.")] = (
        "engine"
    ),
    mllp_port: Annotated[
        int | None, typer.Option(help="Receive HL7 v2 ADT over MLLP on this port (0: any).")
    ] = None,
    ehr_mllp: Annotated[
        str | None, typer.Option(help="The EHR's MLLP listener HOST:PORT, for merges (A40).")
    ] = None,
    reconcile_every: Annotated[
        float,
        typer.Option(
            help="Seconds between change-feed reconcile passes (0: only on POST /reconcile)."
        ),
    ] = 30.0,
) -> None:
    """Serve the engine until Ctrl-C."""
    if contract is not None:
        _serve_contract(contract, store=store, register=register, reconcile_every=reconcile_every)
        return
    if keys is None:
        raise typer.BadParameter("give --keys FILE (sim up writes it) or --contract FILE")
    ring = _load_keys(keys)
    if client not in ring:
        raise typer.BadParameter(f"{keys} has no client {client!r}; add one with role sync_engine")
    key = ring[client]["key"]
    endpoints = {
        "ehr": Endpoint(ehr, key),
        "crm": Endpoint(crm, key),
        "portal": Endpoint(portal, key),
    }
    _serve(
        endpoints, {name: entry["role"] for name, entry in ring.items()},
        matrix=matrix or default_matrix(), store=store or "sqlite:out/engine/engine.sqlite",
        host=host, port=port, client=client, register=register, mllp_port=mllp_port,
        ehr_mllp=_mllp_address(ehr_mllp), reconcile_every=reconcile_every,
    )  # fmt: skip


def _mllp_address(text: str | None) -> tuple[str, int] | None:
    if text is None:
        return None
    host, _, port = text.removeprefix("mllp://").rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter(f"--ehr-mllp {text!r} is not HOST:PORT (e.g. 127.0.0.1:2575)")
    return host, int(port)


def _serve_contract(
    path: Path, *, store: str | None, register: bool, reconcile_every: float
) -> None:
    try:
        found = Contract.from_json(path)
    except ContractError as exc:
        raise typer.BadParameter(str(exc)) from None
    endpoints = {s: Endpoint(found.base(s), found.key) for s in ("ehr", "crm", "portal")}
    _serve(
        endpoints, {name: c.role for name, c in found.keys.items()}, matrix=found.matrix,
        store=store or f"sqlite:{found.workdir / 'engine.sqlite'}", host=found.sut_host,
        port=found.sut_port, client=found.client, register=register,
        mllp_port=found.sut_mllp_port, ehr_mllp=(found.mllp_host, found.mllp_port),
        reconcile_every=reconcile_every,
    )  # fmt: skip


def _serve(
    endpoints: dict[str, Endpoint],
    roles: dict[str, str],
    *,
    matrix: Path,
    store: str,
    host: str,
    port: int,
    client: str,
    register: bool,
    mllp_port: int | None = None,
    ehr_mllp: tuple[str, int] | None = None,
    reconcile_every: float = 30.0,
) -> None:
    service = bootstrap_service(
        matrix=matrix, store=store, endpoints=endpoints, actor_roles=roles,
        engine_actors=frozenset({client}),
        mllp=(host, mllp_port) if mllp_port is not None else None, ehr_mllp=ehr_mllp,
        reconcile_every=reconcile_every or None,
    )  # fmt: skip
    url = f"http://{host}:{port}"
    service.start()  # the MLLP door listens before the EHR is told to send to it
    door = None if service.mllp is None else (host, service.mllp.port)
    if register:  # before HTTP listens: once the port answers, the receivers are registered
        register_receivers(endpoints, url, name=client, mllp=door)
    typer.echo(f"engine  {url}  store {store}  (/metrics /idle /status)")
    if service.mllp is not None:
        typer.echo(f"mllp    {host}:{service.mllp.port}  (HL7 v2 ADT in)")
    try:
        uvicorn.run(service.app(), host=host, port=port, log_level="warning")
    finally:
        service.close()


def _load_keys(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"cannot read keys file {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and {"key", "role"} <= set(v) for v in data.values()
    ):
        raise typer.BadParameter(f"{path} must map each client to {{key: K, role: R}}")
    return {str(k): {"key": str(v["key"]), "role": str(v["role"])} for k, v in data.items()}
