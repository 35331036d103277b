"""Token keys: versioned HMAC secrets, one current, every older one kept for resolution.

Rotation adds a key and makes it current: new tokens use it, and tokens made under an older key
still resolve (the vault keeps each token's entry) and can be re-indexed under the new key.
``repr`` shows key ids only, never a secret.

Example::

    ring = Keyring.generate(secrets.token_bytes)          # k1
    ring = ring.rotated(secrets.token_bytes(32))          # k2 is current, k1 still held
    ring.current, sorted(ring.keys)                       # -> ("k2", ["k1", "k2"])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from splitbrain.engine.domain.tokens.errors import KeyringInvalid, UnknownKeyVersion
from splitbrain.engine.domain.tokens.format import KEY_ID_PATTERN

MIN_SECRET_BYTES = 32
_KEY_ID = re.compile(KEY_ID_PATTERN)


def key_number(key_id: str) -> int:
    """``"k12"`` -> 12."""
    return int(key_id[1:])


@dataclass(frozen=True, slots=True)
class Keyring:
    """Token secrets by key id (``k1``, ``k2``...) and the id of the current one."""

    keys: Mapping[str, bytes] = field(repr=False)
    current: str

    def __post_init__(self) -> None:
        for key_id, secret in self.keys.items():
            if not isinstance(key_id, str) or _KEY_ID.fullmatch(key_id) is None:
                raise KeyringInvalid(f"token key id {key_id!r} is not k1, k2, ... (a version)")
            if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
                raise KeyringInvalid(
                    f"token key {key_id} must be at least {MIN_SECRET_BYTES} random bytes"
                )
        if self.current not in self.keys:
            raise KeyringInvalid(
                f"the current token key {self.current!r} is not in the keyring "
                f"({', '.join(sorted(self.keys)) or 'empty'}); add it or pick one of those"
            )
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    @classmethod
    def generate(cls, entropy: Callable[[int], bytes]) -> Keyring:
        """A keyring with one fresh key, ``k1``."""
        return cls({"k1": entropy(MIN_SECRET_BYTES)}, "k1")

    def secret(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyVersion(
                f"token key {key_id!r} is not in the keyring ({', '.join(sorted(self.keys))}); "
                "a token made under a key that was removed can no longer be re-derived"
            ) from None

    def rotated(self, secret: bytes) -> Keyring:
        """This keyring plus ``secret`` as the next version, now current."""
        next_id = f"k{max(key_number(k) for k in self.keys) + 1}"
        return Keyring({**self.keys, next_id: secret}, next_id)

    def older(self) -> tuple[str, ...]:
        """The key ids before the current one, oldest first."""
        return tuple(sorted((k for k in self.keys if k != self.current), key=key_number))

    def __repr__(self) -> str:
        return f"Keyring(current={self.current!r}, key_ids={sorted(self.keys, key=key_number)!r})"
