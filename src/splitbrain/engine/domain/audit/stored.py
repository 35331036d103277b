"""``StoredEntry``: an entry as a store holds it, the event still in its canonical JSON bytes.

Verification needs no parsed event: the hash covers the event's canonical bytes, and a stored
entry carries exactly those bytes. Verifying stored entries therefore costs a row read and one
SHA-256, not a JSON parse and a validation per entry. Any change to the stored bytes, even one
that would parse to the same event, fails the hash. ``parse()`` gives the full ``AuditEntry``
for readers that need the event.

Example::

    link = stored_entry(row_seq, row_version, row_prev, row_hash, row_event_text)
    verify([link], checkpoints, key)        # no JSON parsing
    link.parse().event.actor                # parsed and validated on demand
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from splitbrain.engine.domain.audit.entry import AuditEntry, entry_from_record
from splitbrain.engine.domain.audit.errors import MalformedEntryError


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One stored row: seq, hash version, hashes, and the event's canonical JSON bytes."""

    seq: int
    hash_version: int
    prev_hash: str
    hash: str
    event_json: bytes

    def event_bytes(self) -> bytes:
        return self.event_json

    def parse(self) -> AuditEntry:
        """The full entry; raises ``MalformedEntryError`` naming the seq."""
        try:
            event = json.loads(self.event_json)
        except ValueError as exc:
            raise MalformedEntryError(self.seq, "the event is not valid UTF-8 JSON") from exc
        return entry_from_record(
            {
                "seq": self.seq,
                "hash_version": self.hash_version,
                "prev_hash": self.prev_hash,
                "hash": self.hash,
                "event": event,
            }
        )


def stored_entry(
    seq: object, hash_version: object, prev_hash: object, hash_: object, event: object
) -> StoredEntry:
    """Build a ``StoredEntry`` from raw column values, checking only their types."""
    seq_hint = seq if type(seq) is int else None
    if seq_hint is None or type(hash_version) is not int:
        raise MalformedEntryError(seq_hint, "seq and hash_version must be integers")
    if not isinstance(prev_hash, str) or not isinstance(hash_, str):
        raise MalformedEntryError(seq_hint, "prev_hash and hash must be text")
    if isinstance(event, str):
        return StoredEntry(seq_hint, hash_version, prev_hash, hash_, event.encode("utf-8"))
    if isinstance(event, bytes):
        return StoredEntry(seq_hint, hash_version, prev_hash, hash_, event)
    raise MalformedEntryError(seq_hint, "the event column must hold JSON text")
