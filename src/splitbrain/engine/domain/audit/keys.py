"""Audit keys, value fingerprints and HMAC signatures (DESIGN §6-7).

Two keys with two jobs: the *fingerprint key* turns a value into a keyed HMAC-SHA256 fingerprint
(equal values give equal fingerprints, and nobody without the key can test a guess), and the
*checkpoint key* signs checkpoints. They must differ, so that publishing fingerprints never
helps forge a checkpoint. A key's id is derived from the key itself, so a reader can tell which
key (of several, after rotation) made a fingerprint or a signature without the key being named.

Example::

    keys = AuditKeys(fingerprint_key=secret_a, checkpoint_key=secret_b)
    fingerprint(keys.fingerprint_key, "+15550100123")
    # 'fp1:k3c1f0a9b2d4e6f70:9a0f...'   (prefix "fp1", the key id, then 64 hex digits)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import lru_cache

from splitbrain.engine.domain.audit.errors import AuditKeyError

MIN_KEY_BYTES = 32
_KEY_ID_LABEL = b"splitbrain.audit.key-id"


@lru_cache(maxsize=64)
def key_id(key: bytes) -> str:
    """A stable, non-secret name for ``key``: ``k`` and 16 hex digits of an HMAC of a label."""
    return "k" + hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def fingerprint(key: bytes, value: str) -> str:
    """The keyed fingerprint of ``value``: ``fp1:<key id>:<HMAC-SHA256 hex>``.

    >>> fp = fingerprint(b"k" * 32, "Ana")
    >>> fp.startswith("fp1:k") and len(fp) == 86 and "Ana" not in fp
    True
    """
    _check_key(key, "fingerprint key")
    digest = hmac.digest(key, value.encode("utf-8"), "sha256").hex()  # one-shot: same bytes
    return f"fp1:{key_id(key)}:{digest}"


class Fingerprinter:
    """``fingerprint(key, value)`` for one key, with the HMAC key schedule done once.

    HMAC-SHA256 as RFC 2104 defines it (the bytes ``hmac`` computes; a test holds them equal):
    the inner and outer hashes of the padded key are kept and copied per value, which halves
    the cost of a fingerprint on the write path.

    >>> Fingerprinter(b"k" * 32)("Ana") == fingerprint(b"k" * 32, "Ana")
    True
    """

    __slots__ = ("_inner", "_outer", "_prefix", "key")

    def __init__(self, key: bytes) -> None:
        _check_key(key, "fingerprint key")
        self.key = key
        block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._prefix = f"fp1:{key_id(key)}:"

    def __call__(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        made = self._prefix + outer.hexdigest()
        issued = _ISSUED
        if len(issued) >= _ISSUED_LIMIT:
            issued.clear()
        issued.add(made)
        return made


def issued_fingerprints() -> set[str]:
    """Fingerprints a ``Fingerprinter`` made lately: well formed by construction, so an event
    builder may take one found here without matching the fingerprint pattern again (a memo,
    emptied when it passes its limit; only ``Fingerprinter`` adds to it)."""
    return _ISSUED


_BLOCK = 64  # SHA-256's block size, in bytes
_ISSUED: set[str] = set()
_ISSUED_LIMIT = 4096


def sign(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, as hex."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_matches(key: bytes, message: bytes, signature: str) -> bool:
    """Constant-time check of a ``sign()`` result."""
    return hmac.compare_digest(sign(key, message), signature)


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The fingerprint key and the checkpoint key. ``repr`` shows key ids, never key bytes."""

    fingerprint_key: bytes = field(repr=False)
    checkpoint_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_key(self.fingerprint_key, "fingerprint key")
        _check_key(self.checkpoint_key, "checkpoint key")
        if hmac.compare_digest(self.fingerprint_key, self.checkpoint_key):
            raise AuditKeyError(
                "the fingerprint key and the checkpoint key are the same; generate two keys"
            )

    @property
    def fingerprint_key_id(self) -> str:
        return key_id(self.fingerprint_key)

    @property
    def checkpoint_key_id(self) -> str:
        return key_id(self.checkpoint_key)

    def __repr__(self) -> str:
        return (
            f"AuditKeys(fingerprint_key_id={self.fingerprint_key_id!r}, "
            f"checkpoint_key_id={self.checkpoint_key_id!r})"
        )


def _check_key(key: object, name: str) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise AuditKeyError(f"the audit {name} must be at least {MIN_KEY_BYTES} random bytes")
