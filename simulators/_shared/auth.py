"""API keys: every request carries ``Authorization: Bearer KEY``; each key names a client.

A client has a name (the ``process`` in the history) and a role. The role ``admin`` may use
``/_admin``; the other roles are the simulator's own (``sync_engine``, ``provider``, ...)::

    keys = KeyRing([Client("admin", "admin", "k-admin"), Client("engine", "sync_engine", "k-1")])
    keys.authenticate("Bearer k-1").name        # 'engine'
    KeyRing.generate({"admin": "admin", "engine": "sync_engine"}, seed=7)
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from simulators._shared.errors import ConfigurationError, Forbidden, Unauthenticated

ADMIN_ROLE: Final = "admin"


@dataclass(frozen=True, slots=True)
class Client:
    """One API client: ``name`` is what the history records as the process."""

    name: str
    role: str
    key: str

    def __repr__(self) -> str:  # never print the key
        return f"Client(name={self.name!r}, role={self.role!r})"


class KeyRing:
    """The clients of one simulator (or of all three: share one ring)."""

    def __init__(self, clients: Iterable[Client]) -> None:
        self._by_key: dict[str, Client] = {}
        self._by_name: dict[str, Client] = {}
        for client in clients:
            self.add(client)

    def add(self, client: Client) -> None:
        if not client.key or client.key in self._by_key:
            raise ConfigurationError(
                f"client {client.name!r}: its key is empty or already taken; give every client "
                "its own non-empty key"
            )
        if client.name in self._by_name:
            raise ConfigurationError(f"client name {client.name!r} is used twice; names are unique")
        self._by_key[client.key] = client
        self._by_name[client.name] = client

    @classmethod
    def generate(cls, roles: Mapping[str, str], *, seed: int | None = None) -> KeyRing:
        """Fresh random keys for ``{client name: role}`` (reproducible with ``seed``)."""
        rng = random.Random(seed) if seed is not None else random.SystemRandom()
        return cls(
            Client(name, role, f"sk_{name}_{rng.getrandbits(128):032x}")
            for name, role in roles.items()
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KeyRing:
        """Load ``{name: {"key": K, "role": R}}`` (the ``--keys`` YAML file, already parsed)."""
        clients: list[Client] = []
        for name, entry in data.items():
            if not isinstance(entry, Mapping) or not {"key", "role"} <= set(entry):
                raise ConfigurationError(
                    f"keys entry {name!r}: expected a mapping with 'key' and 'role'"
                )
            clients.append(Client(str(name), str(entry["role"]), str(entry["key"])))
        return cls(clients)

    def to_mapping(self) -> dict[str, dict[str, str]]:
        """The inverse of ``from_mapping`` (to write the generated keys file)."""
        return {c.name: {"key": c.key, "role": c.role} for c in self._by_name.values()}

    def clients(self) -> list[Client]:
        return list(self._by_name.values())

    def by_name(self, name: str) -> Client:
        try:
            return self._by_name[name]
        except KeyError:
            raise ConfigurationError(f"no client named {name!r} in the key ring") from None

    def admin(self) -> Client:
        """The first client with the admin role."""
        for client in self._by_name.values():
            if client.role == ADMIN_ROLE:
                return client
        raise ConfigurationError("the key ring has no client with role 'admin'; add one")

    def authenticate(self, authorization: str | None) -> Client:
        """The client behind an ``Authorization`` header value, or ``Unauthenticated``."""
        if not authorization:
            raise Unauthenticated("missing Authorization header; send 'Authorization: Bearer KEY'")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthenticated("Authorization must use the Bearer scheme: 'Bearer KEY'")
        client = self._by_key.get(key.strip())
        if client is None or not hmac.compare_digest(client.key, key.strip()):
            raise Unauthenticated("unknown API key; use a key issued in the simulator's key ring")
        return client


def require_role(client: Client, *roles: str) -> None:
    """Raise ``Forbidden`` unless ``client`` has one of ``roles``."""
    if client.role not in roles:
        raise Forbidden(
            f"client {client.name!r} has role {client.role!r}; this needs one of {sorted(roles)}"
        )
