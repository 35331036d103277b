"""``splitbrain phi ...``: synthetic PHI for the world (DESIGN §8).

Example::

    splitbrain phi generate --people 10000 --seed 7 --out out/population --format fhir
    # 10,000 persons -> out/population: ehr 6,210 records, crm 11,305, portal 7,790
    #   files: ground_truth.jsonl ehr.Patient.ndjson crm.Patient.ndjson ...

The same ``--people``, ``--seed`` and ``--corruption`` always write byte-identical files.
Everything is obviously synthetic: 555-01xx phones, example.* emails, ``SYN-`` MRNs, SSN-like
numbers with area 000 or 666, and a ``CANARY-...`` token in every clinical note and plan.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from simulators.population import (
    PopulationConfig,
    PopulationError,
    generate,
    write_population,
)

app = typer.Typer(help="Generate synthetic PHI with ground truth.", no_args_is_help=True)

_PROGRESS_FROM = 10_000  # persons; smaller runs finish before a bar is worth drawing


class Format(StrEnum):
    fhir = "fhir"
    csv = "csv"
    hl7 = "hl7"


class Corruption(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


@app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into (created).")],
    people: Annotated[int, typer.Option("--people", min=0, help="Number of persons.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same files.")] = 0,
    fmt: Annotated[Format, typer.Option("--format", help="Per-system file format.")] = Format.fhir,
    corruption: Annotated[
        Corruption, typer.Option("--corruption", help="How much the systems' copies diverge.")
    ] = Corruption.medium,
) -> None:
    """Write DIR/ground_truth.jsonl, per-system files in FORMAT and DIR/manifest.json."""
    err = Console(stderr=True)
    config = PopulationConfig.with_corruption(corruption.value)
    metadata = {"seed": seed, "corruption": corruption.value, "as_of": config.as_of.isoformat()}
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=people < _PROGRESS_FROM,
    )
    try:
        with progress:
            task = progress.add_task("generating persons", total=people)
            summary = write_population(
                generate(people, seed, config),
                out,
                fmt.value,
                as_of=config.as_of,
                metadata=metadata,
                on_progress=lambda done: progress.update(task, completed=done),
            )
    except PopulationError as exc:
        err.print(f"[red]phi generate failed:[/red] {exc}")
        raise typer.Exit(2) from exc
    counts = ", ".join(f"{system} {n:,}" for system, n in summary.records.items())
    typer.echo(f"{summary.people:,} persons -> {summary.out_dir}: {counts} records")
    typer.echo(f"  files: {' '.join(summary.files)}")


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or directories a run wrote.", show_default=False)
    ],
    canaries: Annotated[
        Path | None,
        typer.Option(
            "--canaries",
            help="ground_truth.jsonl (canaries and each person's values) or a list of canary "
            "tokens; without it, any CANARY-<12 hex> token is looked for.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    show_allowed: Annotated[
        bool, typer.Option("--all", help="Also list what was found where it is allowed.")
    ] = False,
) -> None:
    """Find canaries and restricted values where their class forbids them; exit 1 if any."""
    from splitbrain.harness.canary_scan import scan
    from splitbrain.harness.leak_index import LeakIndex

    try:
        index = LeakIndex() if canaries is None else LeakIndex.load(canaries)
        result = scan(paths, index)
    except (OSError, ValueError, PopulationError) as exc:
        typer.echo(f"phi scan failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        for finding in result.findings if show_allowed else result.forbidden:
            typer.echo(str(finding))
        typer.echo(result.summary())
    if result.forbidden:
        raise typer.Exit(1)
