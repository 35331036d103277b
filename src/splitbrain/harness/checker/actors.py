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

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

__all__ = ["DEFAULT_ROLES", "DEFAULT_SEED", "DEFAULT_SUT", "Actors"]

DEFAULT_SUT: tuple[str, ...] = ("engine", "engine-*", "engine:*", "mllp:SPLITBRAIN*", "sut*")
DEFAULT_SEED: tuple[str, ...] = ("admin",)
DEFAULT_ROLES: Mapping[str, str] = {"crm-automation": "automation", "portal-clock": "automation"}


class _Matches(dict[str, bool]):
    """``{process: matches any pattern}``, filled on first sight (a C-level lookup after)."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        super().__init__()
        self._patterns = patterns

    def __missing__(self, process: str) -> bool:
        found = self[process] = any(fnmatchcase(process, p) for p in self._patterns)
        return found


@dataclass(slots=True)
class Actors:
    sut: tuple[str, ...] = DEFAULT_SUT
    seed: tuple[str, ...] = DEFAULT_SEED
    roles: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ROLES))
    matrix_roles: Collection[str] = ()
    _sut_cache: _Matches = field(init=False, repr=False)
    _seed_cache: _Matches = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sut_cache = _Matches(self.sut)
        self._seed_cache = _Matches(self.seed)

    def is_sut(self, process: str) -> bool:
        return self._sut_cache[process]

    @property
    def sut_lookup(self) -> Callable[[str], bool]:
        """``is_sut`` as a C-level call, for loops that ask it millions of times."""
        return self._sut_cache.__getitem__

    def is_seed(self, process: str) -> bool:
        return self._seed_cache[process]

    @property
    def seed_lookup(self) -> Callable[[str], bool]:
        """``is_seed`` as a C-level call."""
        return self._seed_cache.__getitem__

    def is_actor(self, process: str) -> bool:
        """A person or automation acting in the world (neither the SUT nor the setup)."""
        return not self.is_sut(process) and not self.is_seed(process)

    def role_of(self, process: str) -> str | None:
        """The matrix role of ``process``, or None when the history cannot tell."""
        role = self.roles.get(process)
        if role is not None:
            return role
        return process if process in self.matrix_roles else None
