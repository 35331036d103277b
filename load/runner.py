"""The world process of a load run: the simulators and the SUT on loopback ports.

Locust monkey-patches its process with gevent; the world (asyncio, uvicorn, threads) and the
reference engine must not run under that patch, so they live here, in a plain process the
locustfile (or ``load.smoke``) starts::

    python -m load.runner --workdir out/load/world --store memory --sut reference

It prints one JSON line when the world is serving (``{"ready": true, "contract": PATH}``: the
SUT contract file, with every address and key), then waits for ``stop`` on stdin (or its end).
On stop it waits for quiescence, writes each simulator's history (``ehr.jsonl`` ...), runs the
checker over them and writes ``verdict.json`` beside them, prints ``{"done": true, ...}`` and
exits 0 (the verdict's own ``ok`` says whether anything went wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from load.clients import CLIENT_ROLES, ENGINE
from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.checker import Actors, Anomaly, HistorySource, check
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import SYSTEMS, World

__all__ = ["finish", "main", "start"]


def start(workdir: Path, *, store: str, sut: str, matrix: Path, seed: int | None,
          window: int = 0) -> LiveRun:  # fmt: skip
    """The world and its SUT serving; ``window`` > 0 sets the simulators' webhook window."""
    keys = KeyRing.generate(dict(CLIENT_ROLES), seed=seed)
    settings = SimulatorSettings(keys=keys)
    if window > 0:
        settings = SimulatorSettings(keys=keys, webhook_window=window)
    world = World(settings)
    return LiveRun.start(
        world, matrix=matrix, sut=sut, store=store, workdir=workdir / "sut", client=ENGINE
    )


def finish(run: LiveRun, workdir: Path, *, matrix: Path, timeout: float) -> dict[str, Any]:
    """Quiesce, write the histories, judge them; the verdict as JSON-ready data."""
    quiesced = True
    try:
        run.quiesce(timeout=timeout)
    except Exception as exc:  # a run that never settles is judged as it stands, and says so
        quiesced = False
        print(orjson.dumps({"quiesce_error": str(exc)}).decode(), file=sys.stderr, flush=True)
    paths: list[Path] = []
    for system in SYSTEMS:
        path = workdir / f"{system}.jsonl"
        path.write_text(run.world.runtime(system).history.export_jsonl(), encoding="utf-8")
        paths.append(path)
    started = time.perf_counter()
    verdict = check(
        [HistorySource.from_path(p) for p in paths],
        matrix,
        actors=Actors(roles={name: role for name, role in CLIENT_ROLES.items()}),
    )
    result = {
        "ok": verdict.ok and quiesced,
        "quiesced": quiesced,
        "operations": verdict.operations,
        "counts": {str(code): n for code, n in verdict.counts().items()},
        "anomalies": [_anomaly(a) for a in verdict.anomalies[:50]],
        "revocation": verdict.revocation.to_json(),
        "check_seconds": time.perf_counter() - started,
        "histories": [str(p) for p in paths],
    }
    (workdir / "verdict.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return result


def _anomaly(anomaly: Anomaly) -> dict[str, Any]:
    witnesses = [f"{w.file}:{w.index}" for w in anomaly.witnesses[:5]]
    return {"code": str(anomaly.code), "explanation": anomaly.explanation, "witnesses": witnesses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.runner", description=__doc__)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--store", default="memory", help="memory | sqlite:PATH | postgresql://...")
    parser.add_argument(
        "--sut", default="reference", help="reference | serve | http:URL | command:CMD"
    )
    parser.add_argument("--matrix", type=Path, default=default_matrix())
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--webhook-window",
        type=int,
        default=0,
        help="the simulators' webhook window per endpoint (0: their default)",
    )
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the world's event loop (asyncio where uvloop is not installed)",
    )
    # past the engine's longest bounded wait (a decision held for its chart: about 2 min)
    parser.add_argument("--quiesce-timeout", type=float, default=150.0)
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        _use_uvloop()
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    run = start(workdir, store=args.store, sut=args.sut, matrix=args.matrix, seed=args.seed,
                window=args.webhook_window)  # fmt: skip
    try:
        ready = {"ready": True, "contract": str(run.contract.path), "sut": run.sut.name}
        print(orjson.dumps(ready).decode(), flush=True)
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        result = finish(run, workdir, matrix=args.matrix, timeout=args.quiesce_timeout)
        done = {"done": True, "ok": result["ok"], "verdict": str(workdir / "verdict.json")}
        print(orjson.dumps(done).decode(), flush=True)
    finally:
        with contextlib.suppress(Exception):
            run.stop()
    return 0


def _use_uvloop() -> None:
    """The world's loop (made by ``LiveRun``) on uvloop, as uvicorn serves when it can."""
    try:
        import uvloop
    except ImportError:  # not on Windows: the plain loop
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


if __name__ == "__main__":
    raise SystemExit(main())
