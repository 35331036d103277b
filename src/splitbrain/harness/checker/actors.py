"""Who a history's ``process`` is: the system under test, the world's setup, or an actor.

The simulators record the client's name as the process (``engine``, ``admin``,
``crm-automation``, ``mllp:SPLITBRAIN``, a webhook endpoint's name). The checker judges the SUT
by what *it* did, so it must tell the SUT's processes from the people and automations acting in
the world (the actors) and from the setup that seeded the world::

    actors = Actors(sut=("engine", "mllp:SPLITBRAIN"), roles={"crm-user": "growth_ops"})
    actors.is_sut("engine")              # True
    actors.role_of("crm-user")           # "growth_ops"

Patterns are shell globs. A process named after a matrix role has that role.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

__all__ = ["DEFAULT_ROLES", "DEFAULT_SEED", "DEFAULT_SUT", "Actors"]

DEFAULT_SUT: tuple[str, ...] = ("engine", "engine-*", "engine:*", "mllp:SPLITBRAIN*", "sut*")
DEFAULT_SEED: tuple[str, ...] = ("admin",)
DEFAULT_ROLES: Mapping[str, str] = {"crm-automation": "automation", "portal-clock": "automation"}


@dataclass(slots=True)
class Actors:
    sut: tuple[str, ...] = DEFAULT_SUT
    seed: tuple[str, ...] = DEFAULT_SEED
    roles: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ROLES))
    matrix_roles: Collection[str] = ()
    _sut_cache: dict[str, bool] = field(default_factory=dict, repr=False)
    _seed_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    def is_sut(self, process: str) -> bool:
        known = self._sut_cache.get(process)
        if known is None:
            known = any(fnmatchcase(process, pattern) for pattern in self.sut)
            self._sut_cache[process] = known
        return known

    def is_seed(self, process: str) -> bool:
        known = self._seed_cache.get(process)
        if known is None:
            known = any(fnmatchcase(process, pattern) for pattern in self.seed)
            self._seed_cache[process] = known
        return known

    def is_actor(self, process: str) -> bool:
        """A person or automation acting in the world (neither the SUT nor the setup)."""
        return not self.is_sut(process) and not self.is_seed(process)

    def role_of(self, process: str) -> str | None:
        """The matrix role of ``process``, or None when the history cannot tell."""
        role = self.roles.get(process)
        if role is not None:
            return role
        return process if process in self.matrix_roles else None
