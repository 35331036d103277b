"""Commands: what someone asks the engine to do, in the imperative (STYLE §2).

A command goes to exactly one handler (see ``handlers.COMMAND_HANDLERS``); the events it raises
(decisions, conflict resolutions, escalations) go to every handler listed for them. Commands are
frozen dataclasses that carry identifiers and the write itself, nothing else.

Example::

    engine.handle(IngestWrite(write))
    engine.handle(ResolveConflict("cfl_0007", resolver="usr_3", role="clinical_ops",
                                  reason="provider confirmed in visit", chosen_key="ehr:evt-9"))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.consent_commands import ConsentCommand
from splitbrain.engine.service_layer.identity_commands import IdentityCommand


@dataclass(frozen=True, slots=True)
class IngestWrite:
    """Decide one proposed change and record the decision (DESIGN §4)."""

    write: Write


@dataclass(frozen=True, slots=True)
class ResolveConflict:
    """The escalation owner settles a conflict item by choosing one competing write."""

    conflict_id: str
    resolver: str
    role: str
    reason: str
    chosen_key: str


@dataclass(frozen=True, slots=True)
class EscalateOverdueConflicts:
    """Escalate every open conflict item past its due time (each item at most once)."""


@dataclass(frozen=True, slots=True)
class PurgeIdempotencyKeys:
    """Forget idempotency keys first seen more than ``retention`` ago (maintenance).

    After the purge, a redelivery of a forgotten key is decided as a new write; the decision log
    itself is kept. Choose ``retention`` longer than any source system's redelivery horizon.
    """

    retention: timedelta


@dataclass(frozen=True, slots=True)
class SeedFieldState:
    """Set a never-written field's starting state (a scenario's "given", a migration's import).

    Audited like any change, but not a decision: it bypasses ownership, so it is refused for a
    field that already has a version, and for a field the policy does not list.
    """

    state: FieldState


Command = (
    IngestWrite
    | ResolveConflict
    | EscalateOverdueConflicts
    | PurgeIdempotencyKeys
    | SeedFieldState
    | ConsentCommand
    | IdentityCommand
)
