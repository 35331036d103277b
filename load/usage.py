"""CPU of the embedded world's processes, second by second, beside the generator's own.

A load run's latency means little without the load it put on what it measured: whether the
world (the simulators), the SUT or the database ran out of a core first. ``ProcessUsage``
follows the world process that ``load.embedded`` started and every process under it (the
served engine, a throwaway PostgreSQL's backends) and, each time it is sampled, gives each
role's share of one core since the last sample::

    usage = ProcessUsage(world.process.pid)
    usage.sample()            # {"world": 41.0, "sut": 73.5, "postgres": 12.0} (percent)

A role is named from the process's command line: ``load.runner`` is the world (and the
reference engine when it runs in the world's process: ``--sut reference``), ``engine serve``
or another SUT command is the SUT, ``postgres`` is the database. Processes that end between two
samples count up to their last sample.
"""

from __future__ import annotations

import time

import psutil  # type: ignore[import-untyped]

__all__ = ["ProcessUsage", "role_of"]


def role_of(command: list[str]) -> str:
    """``world``, ``sut`` or ``postgres``, from a process's command line."""
    line = " ".join(command)
    if "load.runner" in line:
        return "world"
    if "postgres" in (command[0].rsplit("/", 1)[-1] if command else ""):
        return "postgres"
    return "sut"


class ProcessUsage:
    def __init__(self, root_pid: int) -> None:
        self._root = root_pid
        self._seen: dict[int, tuple[str, float]] = {}
        self._at = time.monotonic()
        self.sample()

    def sample(self) -> dict[str, float]:
        """Each role's CPU since the last sample, in percent of one core."""
        now = time.monotonic()
        spent: dict[str, float] = {}
        for process in self._tree():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    total = times.user + times.system
                    known = self._seen.get(process.pid)
                    role = known[0] if known else role_of(process.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            before = known[1] if known else 0.0
            self._seen[process.pid] = (role, total)
            spent[role] = spent.get(role, 0.0) + max(0.0, total - before)
        elapsed, self._at = max(now - self._at, 1e-6), now
        return {role: round(100.0 * seconds / elapsed, 1) for role, seconds in spent.items()}

    def _tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self._root)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
