"""What a spawned engine process runs in the PostgreSQL concurrency tests (importable by the
child: no pytest fixtures here).

Each worker opens its own engine on the shared store, waits at a barrier so that the processes
really overlap, handles its commands in order, and retries a command that failed with
``StoreBusy`` (the documented contract: it was rolled back whole). It reports how many retries
it needed, by ``StoreBusy.kind``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.commands import Command
from splitbrain.engine.service_layer.errors import StoreBusy
from tests.unit.service_layer.small_policy import T0, small_policy

MAX_RETRIES = 20


class Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


class Results(Protocol):
    def put(self, obj: object) -> None: ...


def handle_all(
    dsn: str,
    audit_dir: str,
    keys: AuditKeys,
    commands: Sequence[Command],
    start: Barrier,
    out: Results,
) -> None:
    """Handle ``commands`` on the store at ``dsn``; put its retries by kind on ``out``."""
    engine = bootstrap(store=dsn, policy=small_policy(), clock=FixedClock(T0), keys=keys,
                       audit_dir=Path(audit_dir))  # fmt: skip
    retries: dict[str, int] = {}
    try:
        start.wait(timeout=60)
        for number, command in enumerate(commands):
            for _attempt in range(MAX_RETRIES):
                try:
                    engine.handle(command)
                    break
                except StoreBusy as busy:
                    retries[busy.kind] = retries.get(busy.kind, 0) + 1
            else:
                raise RuntimeError(f"command {number} stayed busy {MAX_RETRIES} times")
    finally:
        engine.close()
    out.put(retries)
