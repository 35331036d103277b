"""``AuditEntry`` and the hash chain (DESIGN §7).

Entry ``n`` holds its event, the hash of entry ``n-1`` (``GENESIS_HASH`` for entry 1) and its
own hash: SHA-256 over the canonical JSON of ``{"event", "hash_version", "prev_hash", "seq"}``.
The hash version is part of what is hashed, so an entry cannot be re-labelled to another
version; readers keep a hasher for every version ever written (``KNOWN_HASH_VERSIONS``).

Example::

    first = chain(None, event_a)           # seq 1, prev_hash GENESIS_HASH
    second = chain(first, event_b)         # seq 2, prev_hash first.hash
    entry_from_json(entry_to_json(second)) == second
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from splitbrain.engine.domain.audit.errors import (
    AuditChainError,
    AuditEventError,
    MalformedEntryError,
)
from splitbrain.engine.domain.audit.event import (
    AuditEvent,
    canonical_json,
    event_from_dict,
    event_to_dict,
)

HASH_VERSION = 1
"""The hash input version new entries are written with."""
GENESIS_HASH = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = frozenset({"seq", "hash_version", "prev_hash", "hash", "event"})


def hash_input_v1(seq: int, prev_hash: str, event_json: bytes) -> bytes:
    """``canonical_json({"event": ..., "hash_version": 1, "prev_hash": ..., "seq": ...})``.

    Built by concatenation around the event's canonical bytes (the keys are already in sorted
    order), which is byte-for-byte the canonical JSON of that envelope.
    """
    return b"".join(
        (
            b'{"event":',
            event_json,
            b',"hash_version":1,"prev_hash":"',
            prev_hash.encode("utf-8"),
            b'","seq":',
            str(seq).encode("ascii"),
            b"}",
        )
    )


def hash_v1(seq: int, prev_hash: str, event_json: bytes) -> str:
    """The hash of entry ``seq`` under hash version 1 (what ``chain`` computes)."""
    return hashlib.sha256(hash_input_v1(seq, prev_hash, event_json)).hexdigest()


def hash_v1_text(seq: int, prev_hash: str, event_text: str) -> str:
    """``hash_v1(seq, prev_hash, event_text.encode())``, the hash input formatted as text and
    encoded once (the write path holds the event as canonical text; a test holds them equal)."""
    envelope = f'{{"event":{event_text},"hash_version":1,"prev_hash":"{prev_hash}","seq":{seq}}}'
    return hashlib.sha256(envelope.encode()).hexdigest()


_HASHERS: dict[int, Callable[[int, str, bytes], str]] = {1: hash_v1}
KNOWN_HASH_VERSIONS = frozenset(_HASHERS)


def entry_hash(
    seq: int, prev_hash: str, event: AuditEvent | bytes, version: int = HASH_VERSION
) -> str:
    """The hash an entry must carry under hash ``version``; ``event`` as an object or its
    canonical JSON bytes."""
    hasher = _HASHERS.get(version)
    if hasher is None:
        raise AuditChainError(
            f"hash version {version} is unknown; this reader knows {sorted(KNOWN_HASH_VERSIONS)}"
        )
    return hasher(seq, prev_hash, event if isinstance(event, bytes) else event.canonical_bytes())


class ChainLink(Protocol):
    """What ``verify`` reads: an ``AuditEntry``, or a ``StoredEntry`` with its event unparsed."""

    @property
    def seq(self) -> int: ...

    @property
    def hash_version(self) -> int: ...

    @property
    def prev_hash(self) -> str: ...

    @property
    def hash(self) -> str: ...

    def event_bytes(self) -> bytes:
        """The event's canonical JSON, as hashed."""
        ...


class ChainHead(Protocol):
    """Anything that names a chain position: an ``AuditEntry`` or a stored (seq, hash) row."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Head:
    """The last (seq, hash) of a chain, when the whole entry is not at hand."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the chain. ``verify()`` recomputes ``hash``; nothing here trusts it."""

    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str
    hash_version: int = HASH_VERSION

    def __post_init__(self) -> None:
        if type(self.seq) is not int or self.seq < 1:
            raise AuditChainError("AuditEntry.seq must be an int >= 1")
        if type(self.hash_version) is not int:
            raise AuditChainError(f"AuditEntry.hash_version of seq {self.seq} must be an int")
        for name in ("prev_hash", "hash"):
            if not isinstance(getattr(self, name), str) or not _HEX64.fullmatch(
                getattr(self, name)
            ):
                raise AuditChainError(
                    f"AuditEntry.{name} of seq {self.seq} must be 64 lowercase hex digits"
                )

    def event_bytes(self) -> bytes:
        """The event's canonical JSON, as hashed."""
        return self.event.canonical_bytes()


def chain(prev: ChainHead | None, event: AuditEvent, seq: int | None = None) -> AuditEntry:
    """The entry that follows ``prev`` (``None``: the first entry, seq 1).

    ``seq``, when given, must be the next one; a gap or a repeat raises ``AuditChainError``.
    """
    expected = 1 if prev is None else prev.seq + 1
    if seq is not None and seq != expected:
        raise AuditChainError(
            f"seq {seq} does not follow the chain head; the next seq is {expected}"
        )
    prev_hash = GENESIS_HASH if prev is None else prev.hash
    if type(prev_hash) is not str or not _HEX64.fullmatch(prev_hash):
        raise AuditChainError(f"the chain head before seq {expected} has no valid hash")
    entry_hash_ = _HASHERS[HASH_VERSION](expected, prev_hash, event.canonical_bytes())
    return _checked_entry(expected, event, prev_hash, entry_hash_)


def _checked_entry(seq: int, event: AuditEvent, prev_hash: str, hash_: str) -> AuditEntry:
    """An entry whose fields ``chain`` has just made or checked (``__post_init__``'s checks
    hold by construction: seq an int >= 1, both hashes 64 lowercase hex), built without them."""
    entry: AuditEntry = object.__new__(AuditEntry)
    set_ = object.__setattr__
    set_(entry, "seq", seq)
    set_(entry, "event", event)
    set_(entry, "prev_hash", prev_hash)
    set_(entry, "hash", hash_)
    set_(entry, "hash_version", HASH_VERSION)
    return entry


def entry_to_record(entry: AuditEntry) -> dict[str, object]:
    """The JSON-ready form of an entry (one line of a JSONL export)."""
    return {
        "seq": entry.seq,
        "hash_version": entry.hash_version,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "event": event_to_dict(entry.event),
    }


def entry_to_json(entry: AuditEntry) -> str:
    """One canonical JSON line, without the newline."""
    return canonical_json(entry_to_record(entry)).decode("utf-8")


def entry_from_record(record: object) -> AuditEntry:
    """Parse ``entry_to_record``'s form strictly; raises ``MalformedEntryError`` naming the seq."""
    seq = record.get("seq") if isinstance(record, dict) else None
    seq_hint = seq if type(seq) is int else None
    if not isinstance(record, dict) or record.keys() != _ENTRY_KEYS:
        raise MalformedEntryError(seq_hint, f"an entry has exactly the keys {sorted(_ENTRY_KEYS)}")
    try:
        return AuditEntry(
            seq=record["seq"],
            event=event_from_dict(record["event"]),
            prev_hash=record["prev_hash"],
            hash=record["hash"],
            hash_version=record["hash_version"],
        )
    except (AuditEventError, AuditChainError) as exc:
        raise MalformedEntryError(seq_hint, str(exc)) from exc


def entry_from_json(line: str | bytes) -> AuditEntry:
    """Parse one JSONL line written by ``entry_to_json``."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise MalformedEntryError(None, "the line is not valid UTF-8 JSON") from exc
    return entry_from_record(record)
