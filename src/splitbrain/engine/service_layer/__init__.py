"""The service layer of the reference engine: commands, events, handlers, the message bus, the
unit-of-work port, the clock port, metrics, and ``Engine``, the facade the rest of splitbrain
calls (build it with ``splitbrain.engine.bootstrap.bootstrap``).

Example::

    engine = bootstrap(store="memory", policy=policy, clock=FixedClock(start))
    engine.handle(IngestWrite(write))      # -> [FieldApplied(...)]
"""

from __future__ import annotations

from splitbrain.engine.service_layer.clock import Clock, FixedClock, SystemClock
from splitbrain.engine.service_layer.commands import (
    Command,
    EscalateOverdueConflicts,
    IngestWrite,
    PurgeIdempotencyKeys,
    ResolveConflict,
    SeedFieldState,
)
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import (
    AuditWriteFailed,
    ChosenWriteUnavailable,
    NoHandler,
    SchemaVersionMismatch,
    SeedRefused,
    ServiceLayerError,
    StoreClosed,
    StoreError,
    UnknownConflict,
)
from splitbrain.engine.service_layer.events import (
    RESOLUTION_RULE,
    Event,
    FieldSeeded,
    IdempotencyKeysPurged,
)
from splitbrain.engine.service_layer.identity_commands import (
    AcceptReview,
    MergePersons,
    RegisterRecord,
    RejectReview,
    UnmergePersons,
)
from splitbrain.engine.service_layer.metrics import EngineMetrics
from splitbrain.engine.service_layer.unit_of_work import DEFAULT_KEY_RETENTION, AbstractUnitOfWork

__all__ = [
    "DEFAULT_KEY_RETENTION",
    "RESOLUTION_RULE",
    "AbstractUnitOfWork",
    "AcceptReview",
    "AuditWriteFailed",
    "ChosenWriteUnavailable",
    "Clock",
    "Command",
    "Engine",
    "EngineMetrics",
    "EscalateOverdueConflicts",
    "Event",
    "FieldSeeded",
    "FixedClock",
    "IdempotencyKeysPurged",
    "IngestWrite",
    "MergePersons",
    "NoHandler",
    "PurgeIdempotencyKeys",
    "RegisterRecord",
    "RejectReview",
    "ResolveConflict",
    "SchemaVersionMismatch",
    "SeedFieldState",
    "SeedRefused",
    "ServiceLayerError",
    "StoreClosed",
    "StoreError",
    "SystemClock",
    "UnknownConflict",
    "UnmergePersons",
]
