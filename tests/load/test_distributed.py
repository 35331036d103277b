"""Locust's master/worker mode on loopback: one master (it starts the world), two workers
(each with its own observer), a short bounded run; the workers' results reach the master's
report and the checker judges the histories. Real processes, the real ``locust`` command.

Run from a scratch directory so the repository's ``[tool.locust]`` defaults do not apply.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "load" / "locustfile.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def test_two_workers_results_merge_at_the_master_and_the_checker_judges_the_run(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "out"
    with (tmp_path / "master.log").open("wb") as master_log:
        master = subprocess.Popen(
            _locust("--master", "--headless", "--expect-workers", "2", "-u", "8", "-r", "8",
                    "-t", "10s", "--master-bind-host", "127.0.0.1", "--master-bind-port",
                    str(port), "--out", str(out), "--sync-timeout", "5", "--csv",
                    str(out / "locust"), "--only-summary", "--rate-scale", "2"),
            cwd=tmp_path, env=env, stdout=master_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers = [
            subprocess.Popen(
                _locust("--worker", "--master-host", "127.0.0.1", "--master-port", str(port)),
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        try:
            master.wait(timeout=240)
            for worker in workers:
                worker.wait(timeout=20)  # a worker quits when its master does
        finally:
            for process in (master, *workers):
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)

    log = (tmp_path / "master.log").read_text(errors="replace")
    assert (out / "summary.json").exists(), log[-4000:]
    summary = json.loads((out / "summary.json").read_text())
    processes = summary["processes"]
    assert len(processes) == 2, processes
    tables = ("requests", "sync", "consent")
    merged = sum(f["count"] for table in tables for f in summary[table].values())
    assert all(p["requests"] > 0 for p in processes.values())
    assert merged == sum(p["requests"] for p in processes.values())
    assert summary["checker"]["operations"] > 0
    assert summary["checker"]["ok"], summary["checker"]["anomalies"]
    assert (out / "locust_stats.csv").exists()
