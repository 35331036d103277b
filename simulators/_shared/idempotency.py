"""``Idempotency-Key``: the first response to a key is stored and replayed to every retry.

Keys are scoped per client (two clients may use the same key). A request is fingerprinted by
method, path with query and a hash of its body::

    cache = IdempotencyCache()
    cache.begin("engine", "k1", "fp-a")          # None: run it (the key is now in flight)
    cache.begin("engine", "k1", "fp-a")          # IdempotencyInFlight (409)
    cache.finish("engine", "k1", StoredResponse(201, b"{}", ()))
    cache.begin("engine", "k1", "fp-a")          # the stored response: replay it
    cache.begin("engine", "k1", "fp-b")          # IdempotencyKeyReused (422)
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from simulators._shared.errors import IdempotencyInFlight, IdempotencyKeyReused

__all__ = ["IdempotencyCache", "StoredResponse", "fingerprint"]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    target: str
    response: StoredResponse | None = None


def fingerprint(method: str, target: str, body: bytes) -> str:
    """A digest of what a request asks for (never stored raw: bodies hold PHI)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()} {target} {digest}"


class IdempotencyCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def begin(self, client: str, key: str, print_: str, target: str = "") -> StoredResponse | None:
        """None: go ahead (the key is now in flight); else the response to replay."""
        with self._lock:
            entry = self._entries.get((client, key))
            if entry is None:
                self._entries[(client, key)] = _Entry(print_, target)
                return None
        if entry.fingerprint != print_:
            raise IdempotencyKeyReused(
                f"client {client!r} already used this Idempotency-Key for {entry.target or 'a'} "
                "request with a different method, path or body; use a fresh key for a new request"
            )
        if entry.response is None:
            raise IdempotencyInFlight(
                f"a request of client {client!r} with this Idempotency-Key is still in flight; "
                "wait for it to finish, then retry with the same key to get its response"
            )
        return entry.response

    def finish(self, client: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            entry = self._entries.get((client, key))
            if entry is not None:
                entry.response = response

    def abandon(self, client: str, key: str) -> None:
        """Forget an in-flight key whose request did not run (a retry may run it afresh)."""
        with self._lock:
            entry = self._entries.get((client, key))
            if entry is not None and entry.response is None:
                del self._entries[(client, key)]

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
