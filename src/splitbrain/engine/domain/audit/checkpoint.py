"""Signed checkpoints, kept apart from the log (DESIGN §7).

A checkpoint says "the chain had ``hash`` at ``seq``", signed with HMAC-SHA256 under the
checkpoint key. The chain alone cannot show that its tail was cut off or that someone edited an
entry and recomputed every hash after it; a checkpoint stored elsewhere can, because the forger
lacks the checkpoint key.

Example::

    cp = sign_checkpoint(log_head, keys.checkpoint_key)
    checkpoint_from_json(checkpoint_to_json(cp), line=1) == cp
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from splitbrain.engine.domain.audit.entry import ChainHead
from splitbrain.engine.domain.audit.errors import MalformedCheckpointError
from splitbrain.engine.domain.audit.event import canonical_json
from splitbrain.engine.domain.audit.keys import key_id, sign, signature_matches

CHECKPOINT_VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"k[0-9a-f]{16}")
_KEYS = frozenset({"v", "seq", "hash", "key_id", "signature"})


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The signed statement "entry ``seq`` has hash ``hash``"."""

    seq: int
    hash: str
    key_id: str
    signature: str

    def signed_bytes(self) -> bytes:
        """What the signature covers: the version, seq, hash and key id, canonically."""
        return _signed_bytes(self.seq, self.hash, self.key_id)

    def signature_ok(self, key: bytes) -> bool:
        """True when ``key`` is this checkpoint's key and the signature matches."""
        return key_id(key) == self.key_id and signature_matches(
            key, self.signed_bytes(), self.signature
        )


def sign_checkpoint(head: ChainHead, key: bytes) -> Checkpoint:
    """A checkpoint for the entry ``head`` names, signed under ``key``."""
    kid = key_id(key)
    return Checkpoint(head.seq, head.hash, kid, sign(key, _signed_bytes(head.seq, head.hash, kid)))


def checkpoint_to_json(cp: Checkpoint) -> str:
    """One canonical JSON line, without the newline."""
    record = {
        "v": CHECKPOINT_VERSION,
        "seq": cp.seq,
        "hash": cp.hash,
        "key_id": cp.key_id,
        "signature": cp.signature,
    }
    return canonical_json(record).decode("utf-8")


def checkpoint_from_json(text: str | bytes, line: int) -> Checkpoint:
    """Parse a ``checkpoint_to_json`` line; raises ``MalformedCheckpointError`` naming ``line``."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise MalformedCheckpointError(line, "not valid UTF-8 JSON") from exc
    if not isinstance(record, dict) or record.keys() != _KEYS:
        raise MalformedCheckpointError(line, f"a checkpoint has exactly the keys {sorted(_KEYS)}")
    if record["v"] != CHECKPOINT_VERSION or type(record["v"]) is not int:
        raise MalformedCheckpointError(line, f"checkpoint version must be {CHECKPOINT_VERSION}")
    if type(record["seq"]) is not int or record["seq"] < 1:
        raise MalformedCheckpointError(line, "seq must be an int >= 1")
    for name, pattern in (("hash", _HEX64), ("signature", _HEX64), ("key_id", _KEY_ID)):
        if not isinstance(record[name], str) or not pattern.fullmatch(record[name]):
            raise MalformedCheckpointError(line, f"{name} has the wrong form")
    return Checkpoint(record["seq"], record["hash"], record["key_id"], record["signature"])


class CheckpointStore(ABC):
    """Where checkpoints live: apart from the log (another file, another host)."""

    @abstractmethod
    def append(self, checkpoint: Checkpoint) -> None:
        """Store ``checkpoint`` durably before returning."""

    @abstractmethod
    def all(self) -> Sequence[Checkpoint]:
        """Every stored checkpoint, in the order written."""

    def latest(self) -> Checkpoint | None:
        """The checkpoint with the highest seq, or None."""
        return max(self.all(), key=lambda cp: cp.seq, default=None)


def _signed_bytes(seq: int, hash_: str, kid: str) -> bytes:
    return canonical_json(
        {
            "type": "splitbrain.audit.checkpoint",
            "v": CHECKPOINT_VERSION,
            "seq": seq,
            "hash": hash_,
            "key_id": kid,
        }
    )
