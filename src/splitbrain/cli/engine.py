"""``splitbrain engine serve``: the reference engine as a service between running systems.

    splitbrain sim up &                                   # or a team's staging systems
    splitbrain engine serve --keys .splitbrain/keys.yaml --store sqlite:out/engine.sqlite

It listens for webhooks and FHIR notifications on ``--host:--port``, registers its receivers with
the EHR, CRM and portal (``--no-register`` to skip), and serves ``/metrics``, ``/idle`` and
``/status``. Ctrl-C stops it cleanly; SIGKILL loses nothing (the inbox and outbox are durable).
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

app = typer.Typer(help="Run the reference sync engine as a service.", no_args_is_help=True)


@app.command()
def serve(
    *,
    keys: Annotated[Path, typer.Option(help="Keys YAML {client: {key, role}} (sim up writes it).")],
    store: Annotated[str, typer.Option(help="sqlite:PATH, postgresql://... or memory.")] = (
        "sqlite:out/engine/engine.sqlite"
    ),
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
) -> None:
    """Serve the engine until Ctrl-C."""
    ring = _load_keys(keys)
    if client not in ring:
        raise typer.BadParameter(f"{keys} has no client {client!r}; add one with role sync_engine")
    key = ring[client]["key"]
    endpoints = {
        "ehr": Endpoint(ehr, key),
        "crm": Endpoint(crm, key),
        "portal": Endpoint(portal, key),
    }
    service = bootstrap_service(
        matrix=matrix or default_matrix(), store=store, endpoints=endpoints,
        actor_roles={name: entry["role"] for name, entry in ring.items()},
        engine_actors=frozenset({client}),
    )  # fmt: skip
    url = f"http://{host}:{port}"
    if register:
        register_receivers(endpoints, url)
    service.start()
    typer.echo(f"engine  {url}  store {store}  (/metrics /idle /status)")
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
