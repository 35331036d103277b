"""The open-loop chart-edit stream of ``bench_sync_latency.py``, light enough to be its own process.

It imports only httpx and the standard library: the driver's start-up and CPU must not be charged
to the system under test, and it shares the machine with it. Run by the bench as
``python bench/sync_edit_driver.py`` with a JSON spec on stdin (``ehr``, ``key``, ``patients``,
``rate``, ``seconds``); prints ``{"sent", "rate", "cpu"}`` (``cpu``: this process's CPU seconds
during the stream).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx

THREADS = 16
"""Edits in flight at most (one per thread), each on its own keep-alive connection."""


def edit_stream(
    ehr: str,
    key: str,
    patients: list[dict[str, Any]],
    rate: float,
    seconds: float,
    during: Callable[[], None] | None = None,
) -> tuple[int, float]:
    """Open loop: edit ``i`` is due at ``start + i / rate``, whatever the answers take; each
    edit gives one chart a new birth date. ``(sent, offered rate)``. One client (thread-safe,
    up to ``THREADS`` connections) made before the clock starts: its set-up is not the stream's."""
    total = int(rate * seconds)
    locks = [threading.Lock() for _ in patients]
    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    http = httpx.Client(base_url=ehr, timeout=30, limits=limits,
                        headers={"Authorization": f"Bearer {key}"})  # fmt: skip

    def edit(i: int) -> None:
        slot = i % len(patients)
        with locks[slot]:
            resource = patients[slot]
            day = date(1950, 1, 1) + timedelta(days=i)
            resource = {**resource, "birthDate": day.isoformat()}
            answer = http.put(f"/Patient/{resource['id']}", json=resource)
            if answer.status_code < 300:
                patients[slot] = answer.json()

    with http, ThreadPoolExecutor(max_workers=THREADS) as pool:
        started = time.perf_counter()
        if during is not None:
            pool.submit(during)
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(edit, i)
        pool.shutdown(wait=True)
        elapsed = time.perf_counter() - started
    return total, total / elapsed


def main() -> None:
    spec = json.loads(sys.stdin.read())
    before = os.times()  # the client's set-up is counted: once per run, not per edit
    sent, rate = edit_stream(
        spec["ehr"], spec["key"], spec["patients"], spec["rate"], spec["seconds"]
    )
    after = os.times()
    cpu = (after.user + after.system) - (before.user + before.system)
    print(json.dumps({"sent": sent, "rate": rate, "cpu": cpu}))


if __name__ == "__main__":
    main()
