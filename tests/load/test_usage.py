"""The world's processes' CPU is read per role, from real processes."""

from __future__ import annotations

import subprocess
import sys
import time

from load.usage import ProcessUsage, role_of


def test_roles_are_named_from_the_command_line() -> None:
    assert role_of([sys.executable, "-m", "load.runner", "--workdir", "w"]) == "world"
    assert role_of(["/usr/bin/splitbrain", "engine", "serve", "--contract", "c.json"]) == "sut"
    assert role_of(["/usr/lib/postgresql/15/bin/postgres", "-D", "data"]) == "postgres"
    assert role_of([]) == "sut"


def test_a_busy_child_of_the_world_counts_as_the_sut_and_an_idle_world_near_nothing() -> None:
    busy = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"
    world = subprocess.Popen(
        [sys.executable, "-c",
         f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])",
         "load.runner"]
    )  # fmt: skip
    try:
        usage = ProcessUsage(world.pid)
        spent: dict[str, float] = {}
        deadline = time.monotonic() + 20
        while world.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            for role, share in usage.sample().items():
                spent[role] = spent.get(role, 0.0) + share * 0.2
    finally:
        world.kill()
        world.wait()
    # the child burned about 0.6 s of CPU (60 percent-seconds); the parent only waited
    assert spent.get("sut", 0.0) > 20
    assert "world" in spent
    assert spent["sut"] > 3 * spent["world"]
