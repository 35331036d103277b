# ruff: noqa: N818  (STYLE §4 names errors by what happened: UnknownConflict, StoreClosed)
"""Errors of the service layer and of the stores behind its ports.

Expected outcomes (a rejected write, an escalation) are events, never these. These are raised
when a request names something unknown, the wiring is wrong, or a store cannot keep its promise::

    ServiceLayerError
     ├── UnknownConflict          no conflict item has this id
     ├── NoHandler                a message type has no handler in the table (a wiring bug)
     ├── ChosenWriteUnavailable   a resolution chose a write the engine can no longer apply
     ├── SeedRefused              a starting state for a field that is unknown or already written
     ├── AuditWriteFailed         the audit sink refused an entry: the command was rolled back
     ├── StoreBusy                another engine process held what the command needed: it was
     │                            rolled back whole; retry it as is (retryable)
     └── StoreError               the store cannot be used as asked (not retryable as is)
          ├── SchemaVersionMismatch   the file was written by another schema version
          └── StoreClosed             the store was closed; open a new engine

Messages name ids, field names and rules, never values (no PHI).
"""

from __future__ import annotations


class ServiceLayerError(Exception):
    """Base of every service-layer and store error."""


class UnknownConflict(ServiceLayerError, LookupError):
    def __init__(self, conflict_id: str) -> None:
        super().__init__(
            f"no conflict item {conflict_id!r} in the queue; list open items with "
            "engine.conflicts() and resolve one of their ids"
        )
        self.conflict_id = conflict_id


class NoHandler(ServiceLayerError, LookupError):
    def __init__(self, message_type: str) -> None:
        super().__init__(
            f"no handler for {message_type}: add it to COMMAND_HANDLERS or EVENT_HANDLERS in "
            "splitbrain.engine.service_layer.handlers"
        )


class ChosenWriteUnavailable(ServiceLayerError, LookupError):
    def __init__(self, conflict_id: str, key: str, why: str) -> None:
        super().__init__(
            f"conflict {conflict_id}: the chosen write {key} cannot be applied: {why}; choose "
            "another competing write, or send the change again as a new write"
        )


class SeedRefused(ServiceLayerError, ValueError):
    def __init__(self, person: str, field: str, why: str) -> None:
        super().__init__(
            f"cannot seed field {field!r} of person {person}: {why}; seed only fresh fields of "
            "the matrix, and change written fields with writes"
        )


class AuditWriteFailed(ServiceLayerError):
    """Fail closed: an event that cannot be audited is not allowed to happen."""

    def __init__(self, event_kind: str, ident: str) -> None:
        super().__init__(
            f"audit write failed for {event_kind} {ident}; the command was rolled back and "
            "nothing was recorded (audit fails closed, DESIGN §7); fix the audit sink and retry"
        )


class StoreBusy(ServiceLayerError):
    """Retryable: a shared store (PostgreSQL) could not serialize the command with another
    engine process's (a deadlock the server broke, or an idempotency key another process claimed
    while this one decided it). Nothing of the command was kept; run it again as is.

    ``kind`` says which: ``aborted`` (the server broke a deadlock or a lock wait timed out),
    ``key_claimed`` (the idempotency-key race, expected when two processes take the same
    delivery), ``locked`` (SQLite's write lock was not had in time)."""

    def __init__(self, store: str, why: str, *, kind: str = "aborted") -> None:
        self.kind = kind
        super().__init__(
            f"store {store}: {why}; the command was rolled back whole, run it again as is "
            "(a redelivery is answered as the first decision)"
        )


class StoreError(ServiceLayerError):
    """The store cannot be used as asked."""


class SchemaVersionMismatch(StoreError):
    def __init__(self, path: str, found: int, expected: int) -> None:
        super().__init__(
            f"store {path} has schema version {found}; this engine reads version {expected}. "
            "Use a fresh store path, or the splitbrain version that wrote this file"
        )


class StoreClosed(StoreError):
    def __init__(self, path: str) -> None:
        super().__init__(f"store {path} is closed; bootstrap a new engine to use it again")
