"""``splitbrain ...``: one Typer app; each command group lives in its own module.

A group module exposes ``app: typer.Typer`` (or, for a single command, a function) and is
registered in ``_register`` below with one line.
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
    from splitbrain.cli import audit, check, consent, demo, engine, identity, matrix, phi, sim

    app.command("demo")(demo.demo)
    app.add_typer(matrix.app, name="matrix")
    app.add_typer(audit.app, name="audit")
    app.add_typer(consent.app, name="consent")
    app.add_typer(phi.app, name="phi")
    app.add_typer(sim.app, name="sim")
    app.command("check")(check.check_command)
    app.add_typer(identity.app, name="identity")
    app.add_typer(engine.app, name="engine")
    from splitbrain.cli.run import run_command

    app.command("run")(run_command)


_register()


def main() -> None:
    app()
