"""``verify()``: walk a chain once, in constant memory, and name the first bad sequence number.

Checks, entry by entry: the sequence runs 1, 2, 3... with no gap, repeat or reordering; the
hash version is known; ``prev_hash`` is the previous entry's hash; the hash recomputes. At each
checkpoint's seq the entry's hash must equal the signed one. After the last entry, a checkpoint
beyond it means the log was truncated. What the chain cannot see alone (an edit followed by a
recomputation of every later hash) shows as a checkpoint mismatch: the altered entry lies after
the previous matching checkpoint and at or before the mismatching one.

Example::

    result = verify(log.entries(), checkpoint_store.all(), keys.checkpoint_key)
    if not result.ok:
        print(result.message)   # "audit chain broken at seq 57 (hash_mismatch): ..."
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from splitbrain.engine.domain.audit.checkpoint import Checkpoint
from splitbrain.engine.domain.audit.entry import (
    GENESIS_HASH,
    KNOWN_HASH_VERSIONS,
    ChainLink,
    entry_hash,
)
from splitbrain.engine.domain.audit.errors import MalformedEntryError
from splitbrain.engine.domain.audit.keys import key_id


class VerifyFailure(StrEnum):
    """Why a chain failed verification."""

    MALFORMED_ENTRY = "malformed_entry"
    SEQUENCE_GAP = "sequence_gap"
    DUPLICATE_SEQ = "duplicate_seq"
    OUT_OF_ORDER = "out_of_order"
    UNKNOWN_HASH_VERSION = "unknown_hash_version"
    BROKEN_LINK = "broken_link"
    HASH_MISMATCH = "hash_mismatch"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    TRUNCATED = "truncated"
    BAD_CHECKPOINT_SIGNATURE = "bad_checkpoint_signature"
    UNKNOWN_CHECKPOINT_KEY = "unknown_checkpoint_key"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What ``verify`` found. ``first_bad_seq`` and ``failure`` are None when the chain is intact.

    ``last_seq``/``last_hash`` name the last entry that passed; ``last_checkpoint_seq`` the last
    checkpoint that matched (entries after it are chained but not yet anchored by a signature).
    """

    entries_checked: int
    checkpoints_matched: int
    last_seq: int
    last_hash: str
    last_checkpoint_seq: int
    failure: VerifyFailure | None = None
    first_bad_seq: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def message(self) -> str:
        """One line for people: where the chain broke and why, or how far it is intact."""
        if self.failure is None:
            return (
                f"audit chain intact: {self.entries_checked} entries (seq 1..{self.last_seq}), "
                f"{self.checkpoints_matched} checkpoints matched, last at seq "
                f"{self.last_checkpoint_seq}"
            )
        return f"audit chain broken at seq {self.first_bad_seq} ({self.failure}): {self.detail}"


class _Walk:
    """The constant-size state of one verification."""

    def __init__(self, checkpoints: Sequence[Checkpoint], keys: dict[str, bytes]) -> None:
        self.pending = sorted(checkpoints, key=lambda cp: cp.seq)
        self.keys = keys
        self.next_cp = 0
        self.count = 0
        self.matched = 0
        self.last_cp_seq = 0
        self.seq = 0
        self.hash = GENESIS_HASH

    def result(
        self, failure: VerifyFailure | None = None, bad: int | None = None, detail: str = ""
    ) -> VerifyResult:
        return VerifyResult(
            self.count, self.matched, self.seq, self.hash, self.last_cp_seq, failure, bad, detail
        )

    def entry_problem(self, entry: ChainLink) -> tuple[VerifyFailure, str] | None:
        expected = self.seq + 1
        if entry.seq != expected:
            return _sequence_problem(entry.seq, expected)
        if entry.hash_version not in KNOWN_HASH_VERSIONS:
            known = sorted(KNOWN_HASH_VERSIONS)
            return VerifyFailure.UNKNOWN_HASH_VERSION, (
                f"hash version {entry.hash_version} is not one this reader knows ({known})"
            )
        if entry.prev_hash != self.hash:
            return VerifyFailure.BROKEN_LINK, (
                f"prev_hash does not equal the hash of seq {self.seq}: an entry before it was "
                "removed, replaced or re-hashed"
            )
        if (
            entry_hash(entry.seq, entry.prev_hash, entry.event_bytes(), entry.hash_version)
            != entry.hash
        ):
            return VerifyFailure.HASH_MISMATCH, "the stored hash does not match the entry's content"
        return None

    def checkpoint_problem(self, cp: Checkpoint) -> tuple[VerifyFailure, str] | None:
        key = self.keys.get(cp.key_id)
        if key is None:
            return VerifyFailure.UNKNOWN_CHECKPOINT_KEY, (
                f"the checkpoint at seq {cp.seq} was signed with key {cp.key_id}, which is not "
                "among the keys given; pass the checkpoint key that wrote it"
            )
        if not cp.signature_ok(key):
            return VerifyFailure.BAD_CHECKPOINT_SIGNATURE, (
                f"the checkpoint at seq {cp.seq} does not carry a valid signature under key "
                f"{cp.key_id}: the checkpoint store was altered"
            )
        return None


def verify(
    entries: Iterable[ChainLink], checkpoints: Sequence[Checkpoint], key: bytes | Iterable[bytes]
) -> VerifyResult:
    """Verify ``entries`` (streamed once) against signed ``checkpoints``.

    ``entries`` are ``AuditEntry`` objects or ``StoredEntry`` rows (event bytes unparsed).
    ``key`` is the checkpoint key, or several (after rotation). Memory does not grow with the
    number of entries. A ``MalformedEntryError`` raised while reading is reported, not raised.
    """
    keys = [key] if isinstance(key, bytes) else list(key)
    walk = _Walk(checkpoints, {key_id(k): k for k in keys})
    iterator = iter(entries)
    while True:
        try:
            entry = next(iterator)
        except StopIteration:
            break
        except MalformedEntryError as exc:
            return walk.result(VerifyFailure.MALFORMED_ENTRY, walk.seq + 1, exc.detail)
        problem = walk.entry_problem(entry)
        if problem is not None:
            return walk.result(problem[0], walk.seq + 1, problem[1])
        walk.seq, walk.hash, walk.count = entry.seq, entry.hash, walk.count + 1
        failed = _match_checkpoints(walk)
        if failed is not None:
            return failed
    return _check_tail(walk)


def _match_checkpoints(walk: _Walk) -> VerifyResult | None:
    while walk.next_cp < len(walk.pending) and walk.pending[walk.next_cp].seq == walk.seq:
        cp = walk.pending[walk.next_cp]
        problem = walk.checkpoint_problem(cp)
        if problem is None and cp.hash != walk.hash:
            since = walk.last_cp_seq + 1
            problem = (
                VerifyFailure.CHECKPOINT_MISMATCH,
                (
                    f"the signed checkpoint at seq {cp.seq} names another hash: an entry in seq "
                    f"{since}..{cp.seq} was altered and the chain after it recomputed"
                ),
            )
        if problem is not None:
            return walk.result(problem[0], cp.seq, problem[1])
        walk.next_cp += 1
        walk.matched += 1
        walk.last_cp_seq = cp.seq
    return None


def _check_tail(walk: _Walk) -> VerifyResult:
    if walk.next_cp == len(walk.pending):
        return walk.result()
    cp = walk.pending[walk.next_cp]
    problem = walk.checkpoint_problem(cp)
    if problem is not None:
        return walk.result(problem[0], cp.seq, problem[1])
    return walk.result(
        VerifyFailure.TRUNCATED,
        walk.seq + 1,
        f"the log ends at seq {walk.seq} but a signed checkpoint covers seq {cp.seq}: "
        f"entries {walk.seq + 1}..{cp.seq} were removed",
    )


def _sequence_problem(found: int, expected: int) -> tuple[VerifyFailure, str]:
    if found == expected - 1:
        return VerifyFailure.DUPLICATE_SEQ, f"seq {found} appears twice; expected seq {expected}"
    if found < expected:
        return VerifyFailure.OUT_OF_ORDER, (
            f"found seq {found} after seq {expected - 1}: entries were reordered"
        )
    return VerifyFailure.SEQUENCE_GAP, (
        f"expected seq {expected}, found seq {found}: entries {expected}..{found - 1} are missing "
        "or out of order"
    )
