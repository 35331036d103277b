"""``splitbrain ...``: one Typer app; each command group lives in its own module.

A group module exposes ``app: typer.Typer`` (or, for a single command, a function) and is
registered in ``_COMMANDS`` below with one line. A group is imported only when it is called
(or when ``--help`` lists them all): ``splitbrain engine serve`` loads the engine, not the
simulators, the checker or the demo, so an engine restarts in a fraction of the time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # typer's own click (it vendors one); only named in annotations here
    from typer._click import Command, Context

_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "demo"),
    "matrix": ("matrix", "app"),
    "audit": ("audit", "app"),
    "consent": ("consent", "app"),
    "phi": ("phi", "app"),
    "sim": ("sim", "app"),
    "check": ("check", "check_command"),
    "identity": ("identity", "app"),
    "engine": ("engine", "app"),
    "run": ("run", "run_command"),
}
"""Each command's name: its module under ``splitbrain.cli`` and the Typer app (a group) or the
function (a single command) in it."""


class _LazyGroup(TyperGroup):
    """The root group: each command is built from its module the first time it is asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(dict.fromkeys([*super().list_commands(ctx), *_COMMANDS]))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in _COMMANDS:
            found = _load(cmd_name)
            self.add_command(found, cmd_name)
        return found


def _load(name: str) -> Command:
    """The command ``name`` exactly as registering it on the root app eagerly would build it."""
    module, attribute = _COMMANDS[name]
    target = getattr(importlib.import_module(f"splitbrain.cli.{module}"), attribute)
    holder = typer.Typer(add_completion=False)
    holder.callback()(_root)  # a callback keeps the holder a group, whatever it holds
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    built: Command = typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    return built


app = typer.Typer(
    name="splitbrain",
    cls=_LazyGroup,
    help="Prove an EHR <-> CRM <-> portal integration makes no duplicates, stale overwrites, "
    "consent violations or PHI leaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """splitbrain: integration test harness and EHR/CRM/portal simulator."""


def main() -> None:
    app()
