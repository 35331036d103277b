"""``command:CMD`` and ``serve``: the SUT as its own process, with the contract in its environment.

::

    sut = CommandSut("python -m my_engine --verbose")   # shell-split, no shell
    sut.start(contract)     # waits up to 30 s for contract.sut_port; SutStartError otherwise
    sut.stop()              # SIGTERM, then SIGKILL after 10 s

The process runs in its own session (so a wrapper script's children stop with it); its stdout
and stderr go to ``WORKDIR/sut.log``, whose tail a start failure quotes.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from splitbrain.harness.sut.adapter import IdleProbe, wait_for_port
from splitbrain.harness.sut.contract import Contract
from splitbrain.harness.sut.errors import SutSpecError, SutStartError

__all__ = ["CommandSut", "ServeSut"]

_TAIL_LINES = 20


class CommandSut:
    """Any program that honours the contract (docs/sut-contract.md)."""

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        name: str | None = None,
        idle: str | None = "/idle",
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        cwd: Path | None = None,
    ) -> None:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise SutSpecError(
                "--sut 'command:': the command is empty; write the program to run, e.g. "
                "--sut 'command:python -m my_engine'"
            )
        self.argv = argv
        self.name = name or f"command:{shlex.join(argv)}"
        self.idle_path = idle
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self._log: IO[bytes] | None = None
        self._probe: IdleProbe | None = None

    def start(self, contract: Contract) -> None:
        self.log_path = contract.workdir / "sut.log"
        self._log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.argv, env={**os.environ, **contract.env()}, cwd=self.cwd,
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            self._close_log()
            raise SutStartError(
                f"cannot run the SUT command {shlex.join(self.argv)!r} ({exc.strerror}); check "
                "the program name and that it is on PATH"
            ) from exc
        process = self.process
        listening = wait_for_port(contract.sut_host, contract.sut_port, self.start_timeout,
                                  alive=lambda: process.poll() is None)  # fmt: skip
        if not listening:
            code = process.poll()  # None: still running after the timeout
            self.stop()
            raise SutStartError(self._start_failure(contract, code))
        self._probe = IdleProbe(contract.sut_base, self.idle_path)

    def _start_failure(self, contract: Contract, code: int | None) -> str:
        what = (f"exited with code {code}" if code is not None
                else f"did not listen on {contract.sut_host}:{contract.sut_port} within "
                     f"{self.start_timeout:g}s")  # fmt: skip
        return (
            f"the SUT command {shlex.join(self.argv)!r} {what}; it must listen on "
            "$SPLITBRAIN_SUT_HOST:$SPLITBRAIN_SUT_PORT (docs/sut-contract.md). Its output "
            f"({self.log_path}) ends with:\n{self.output_tail()}"
        )

    def output_tail(self, lines: int = _TAIL_LINES) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no output)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(no output)"

    def idle(self) -> bool | None:
        if self.process is not None and self.process.poll() is not None:
            return False  # a dead SUT is never quiescent: quiesce times out and says why
        return self._probe() if self._probe is not None else None

    @property
    def exited(self) -> int | None:
        """The exit code once the process has ended, else None."""
        return self.process.poll() if self.process is not None else None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            _signal(process, signal.SIGTERM)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # its own session: the group is the SUT and its children


class ServeSut(CommandSut):
    """``serve``: the reference engine as its own process (``splitbrain engine serve
    --contract``), with its SQLite store in the contract's workdir unless ``store`` is given."""

    def __init__(self, *, store: str | None = None, start_timeout: float = 30.0) -> None:
        self.store = store
        super().__init__(["splitbrain"], name="serve", start_timeout=start_timeout)

    def start(self, contract: Contract) -> None:
        self.argv = [sys.executable, "-c", "from splitbrain.cli import main; main()",
                     "engine", "serve", "--contract", str(contract.path)]  # fmt: skip
        if self.store is not None:
            self.argv += ["--store", self.store]
        super().start(contract)
