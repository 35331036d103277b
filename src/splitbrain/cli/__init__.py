"""``splitbrain ...``: one Typer app; each command group lives in its own module.

A group module exposes ``app: typer.Typer`` and is registered below with one line.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="splitbrain",
    help="Prove an EHR <-> CRM <-> portal integration makes no duplicates, stale overwrites, "
    "consent violations or PHI leaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """splitbrain: integration test harness and EHR/CRM/portal simulator."""


def _register() -> None:
    # Command groups register here, one line each.
    pass


_register()


def main() -> None:
    app()
