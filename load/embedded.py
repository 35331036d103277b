"""Start and finish the world process (``load.runner``) from the Locust process.

world = EmbeddedWorld.start(Path("out/load/world"), store="memory", sut="reference")
world.contract_path            # the SUT contract: addresses and keys
verdict = world.finish()       # quiesce, histories, checker (a dict, see load.runner)
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from load.errors import RunnerError

__all__ = ["EmbeddedWorld"]

_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class EmbeddedWorld:
    process: subprocess.Popen[bytes]
    contract_path: Path
    workdir: Path

    @classmethod
    def start(cls, workdir: Path, *, store: str, sut: str, seed: int | None = None,
              window: int = 0, timeout: float = 60.0) -> EmbeddedWorld:  # fmt: skip
        workdir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "load.runner", "--workdir", str(workdir),
                   "--store", store, "--sut", sut]  # fmt: skip
        if seed is not None:
            command += ["--seed", str(seed)]
        if window:
            command += ["--webhook-window", str(window)]
        log = (workdir / "runner.log").open("wb")
        process = subprocess.Popen(command, cwd=_ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=log)  # fmt: skip
        ready = _line(process, "ready", workdir)
        return cls(process, Path(ready["contract"]), workdir)

    def finish(self, timeout: float = 240.0) -> dict[str, Any]:
        """Stop the load, let the world settle and the checker judge; the verdict."""
        stdin = self.process.stdin
        if stdin is not None and not stdin.closed:
            stdin.write(b"stop\n")
            stdin.flush()
        done = _line(self.process, "done", self.workdir)
        self.process.wait(timeout=timeout)
        verdict: dict[str, Any] = orjson.loads(Path(done["verdict"]).read_bytes())
        return verdict

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _line(process: subprocess.Popen[bytes], key: str, workdir: Path) -> dict[str, Any]:
    stream: IO[bytes] | None = process.stdout
    assert stream is not None
    for raw in stream:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(data, dict) and data.get(key):
            return data
    process.wait(timeout=30)
    raise RunnerError(
        f"the world process ended (exit {process.returncode}) before saying {key!r}; read "
        f"{workdir / 'runner.log'}"
    )
