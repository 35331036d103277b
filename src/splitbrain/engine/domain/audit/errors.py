"""What the audit chain raises. Expected findings (a broken chain) are a ``VerifyResult``, not
an exception; these are for broken input and failed writes.

    AuditError
     ├── AuditEventError            an event field breaks the rules (never echoes the value)
     ├── AuditChainError            an entry was linked out of sequence
     ├── AuditKeyError              keys missing, too short, or one key used for both jobs
     ├── MalformedEntryError        a stored entry does not parse (names the seq)
     ├── MalformedCheckpointError   a stored checkpoint does not parse (names the line)
     ├── AuditStateError            the sink was used at the wrong moment (mid-transaction)
     └── AuditWriteError            an entry could not be stored: the decision fails (fail closed)

Messages name sequence numbers, field names and rules, never values (no PHI).
"""

from __future__ import annotations


class AuditError(Exception):
    """Base of every audit error."""


class AuditEventError(AuditError, ValueError):
    """An ``AuditEvent`` field breaks its rule. The message names the field, never the value."""


class AuditChainError(AuditError, ValueError):
    """``chain()`` was asked for a sequence number that does not follow the previous entry."""


class AuditKeyError(AuditError, ValueError):
    """An audit key is missing, too short, or the fingerprint and checkpoint keys are equal."""


class MalformedEntryError(AuditError):
    """A stored entry does not parse. ``seq`` is the stored seq when readable, else None."""

    def __init__(self, seq: int | None, detail: str) -> None:
        where = f"seq {seq}" if seq is not None else "an entry with no readable seq"
        super().__init__(f"malformed audit entry at {where}: {detail}")
        self.seq = seq
        self.detail = detail


class MalformedCheckpointError(AuditError):
    """A stored checkpoint does not parse; ``line`` is its 1-based line in the checkpoint file."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(f"malformed checkpoint at line {line}: {detail}")
        self.line = line
        self.detail = detail


class AuditStateError(AuditError):
    """The sink was used at the wrong moment, e.g. a checkpoint inside an open transaction."""


class AuditWriteError(AuditError):
    """The sink could not persist an entry. The caller's decision must fail with it."""
