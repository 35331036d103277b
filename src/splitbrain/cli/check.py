"""``splitbrain check``: judge recorded histories and name every anomaly with its witnesses.

HISTORY files are JSONL histories (docs/history.md), one per system, e.g. what each simulator's
``GET /_admin/history`` returned. ``--truth`` is the population's ``ground_truth.jsonl`` (or a
``.json`` document ``{"people": [...]}``); without it the codes that need to know whose record
is whose are reported as not judged. ``--audit`` is the SUT's audit feed
(``splitbrain audit export --format jsonl``).

Example::

    splitbrain check ehr.jsonl crm.jsonl portal.jsonl \\
        --matrix scenarios/matrices/telehealth.yaml --truth out/pop/ground_truth.jsonl

Exit codes: 0 clean, 1 at least one anomaly, 2 unreadable input.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore, load_keys
from splitbrain.engine.domain.audit import AuditError
from splitbrain.harness.checker import (
    Actors,
    AuditFeed,
    CheckerError,
    check,
    print_report,
    render_json,
)
from splitbrain.harness.checker.actors import DEFAULT_ROLES, DEFAULT_SUT
from splitbrain.matrix import MatrixError

__all__ = ["check_command"]


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


def check_command(
    histories: Annotated[
        list[Path], typer.Argument(help="History JSONL files, one per system.", show_default=False)
    ],
    *,
    matrix: Annotated[Path, typer.Option("--matrix", help="Ownership matrix YAML.")],
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Ground truth (ground_truth.jsonl).")
    ] = None,
    audit: Annotated[
        Path | None, typer.Option("--audit", help="The SUT's audit feed (JSONL export).")
    ] = None,
    audit_checkpoints: Annotated[
        Path | None, typer.Option("--audit-checkpoints", help="Signed checkpoints of the feed.")
    ] = None,
    audit_keys: Annotated[
        Path | None, typer.Option("--audit-keys", help="Audit keys file for the checkpoints.")
    ] = None,
    sut: Annotated[
        list[str] | None,
        typer.Option("--sut", help="Process name (glob) of the SUT; repeat. [engine, ...]"),
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="PROCESS=ROLE for an actor; repeat.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.TEXT,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            max=1,
            help="1: read the histories in a second process while judging; 0: one process. "
            "[default: 1 for files of 16 MB or more]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check histories against the ownership matrix; exit 1 on any anomaly."""
    err = Console(stderr=True, highlight=False)
    try:
        feed = _feed(audit, audit_checkpoints, audit_keys)
        verdict = check(
            histories, matrix, truth=truth, audit=feed, actors=_actors(sut, role), workers=workers
        )
    except (CheckerError, MatrixError, AuditError, OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if fmt is Format.JSON:
        typer.echo(render_json(verdict), nl=False)
    else:
        console = Console(highlight=False)
        if not console.is_terminal:
            console.width = max(console.width, 120)
        print_report(verdict, console)
    raise typer.Exit(0 if verdict.ok else 1)


def _feed(audit: Path | None, checkpoints: Path | None, keys: Path | None) -> AuditFeed | None:
    if audit is None:
        return None
    cps = JsonlCheckpointStore(checkpoints).all() if checkpoints is not None else ()
    key = [load_keys(keys).checkpoint_key] if keys is not None else []
    return AuditFeed.load(audit, cps, key)


def _actors(sut: list[str] | None, roles: list[str] | None) -> Actors:
    mapping = dict(DEFAULT_ROLES)
    for item in roles or ():
        process, sep, name = item.partition("=")
        if not sep or not process or not name:
            raise typer.BadParameter(
                f"--role {item!r}: write PROCESS=ROLE, e.g. crm-user=growth_ops"
            )
        mapping[process] = name
    return Actors(sut=tuple(sut) if sut else DEFAULT_SUT, roles=mapping)
