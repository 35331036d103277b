"""The tamper-evident audit log (DESIGN §7): pure, standard library only.

Append-only and hash-chained (SHA-256 over canonical JSON with the previous hash and a versioned
hash input), with HMAC-signed checkpoints kept apart from the log so that truncation and a
wholesale recomputation are caught. Events hold ids, codes, field names and keyed fingerprints,
never a PHI value.

Example::

    keys = AuditKeys(fingerprint_key=secret_a, checkpoint_key=secret_b)
    event = AuditEvent(actor="usr_12", role="intake_ops", service="engine",
                       action="write.decide", outcome=AuditOutcome.APPLIED, person="per_0001",
                       field_names=("legal_name",),
                       fingerprints=(("legal_name", fingerprint(keys.fingerprint_key, "Ana")),),
                       at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    first = chain(None, event)
    cp = sign_checkpoint(first, keys.checkpoint_key)
    assert verify([first], [cp], keys.checkpoint_key).ok

Modules: ``event`` (AuditEvent), ``canonical`` (the canonical JSON form), ``entry``
(AuditEntry, chain, hash versions), ``stored`` (StoredEntry: a row with its event unparsed),
``keys`` (AuditKeys, fingerprint), ``checkpoint`` (Checkpoint, CheckpointStore), ``verify``,
``sink`` (the AuditSink port), ``prepared`` (EventShape, PreparedEvent: the write path's events,
checked and encoded from a template, byte-equal to the AuditEvent), ``errors``.
"""

from __future__ import annotations

from splitbrain.engine.domain.audit.checkpoint import (
    Checkpoint,
    CheckpointStore,
    checkpoint_from_json,
    checkpoint_to_json,
    sign_checkpoint,
)
from splitbrain.engine.domain.audit.entry import (
    GENESIS_HASH,
    HASH_VERSION,
    KNOWN_HASH_VERSIONS,
    AuditEntry,
    ChainHead,
    ChainLink,
    Head,
    chain,
    entry_from_json,
    entry_from_record,
    entry_hash,
    entry_to_json,
    entry_to_record,
)
from splitbrain.engine.domain.audit.errors import (
    AuditChainError,
    AuditError,
    AuditEventError,
    AuditKeyError,
    AuditStateError,
    AuditWriteError,
    MalformedCheckpointError,
    MalformedEntryError,
)
from splitbrain.engine.domain.audit.event import (
    AuditEvent,
    AuditOutcome,
    canonical_json,
    event_from_dict,
    event_to_dict,
)
from splitbrain.engine.domain.audit.keys import AuditKeys, fingerprint, key_id
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY, AuditSink
from splitbrain.engine.domain.audit.stored import StoredEntry, stored_entry
from splitbrain.engine.domain.audit.verify import VerifyFailure, VerifyResult, verify

__all__ = [
    "DEFAULT_CHECKPOINT_EVERY",
    "GENESIS_HASH",
    "HASH_VERSION",
    "KNOWN_HASH_VERSIONS",
    "AuditChainError",
    "AuditEntry",
    "AuditError",
    "AuditEvent",
    "AuditEventError",
    "AuditKeyError",
    "AuditKeys",
    "AuditOutcome",
    "AuditSink",
    "AuditStateError",
    "AuditWriteError",
    "ChainHead",
    "ChainLink",
    "Checkpoint",
    "CheckpointStore",
    "Head",
    "MalformedCheckpointError",
    "MalformedEntryError",
    "StoredEntry",
    "VerifyFailure",
    "VerifyResult",
    "canonical_json",
    "chain",
    "checkpoint_from_json",
    "checkpoint_to_json",
    "entry_from_json",
    "entry_from_record",
    "entry_hash",
    "entry_to_json",
    "entry_to_record",
    "event_from_dict",
    "event_to_dict",
    "fingerprint",
    "key_id",
    "sign_checkpoint",
    "stored_entry",
    "verify",
]
