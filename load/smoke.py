"""A short load run with Locust as a library: every persona runs, every path is measured, the
checker finds nothing. Exit 0 when all three hold, 1 otherwise; the findings as one JSON line::

    python -m load.smoke --seconds 12 --users 11 --out out/load-smoke

It imports Locust (which monkey-patches the process with gevent), so the test suite runs it in
a subprocess (tests/load/test_smoke.py) and never imports Locust itself.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import orjson


def run(*, seconds: float, users: int, rate_scale: float, out: Path, store: str,
        sync_timeout: float) -> dict[str, Any]:  # fmt: skip
    import gevent  # type: ignore[import-untyped]
    from locust import events
    from locust.argument_parser import get_parser
    from locust.env import Environment

    from load import context, locustfile, paths
    from load.session import SESSION

    random.seed(7)
    parser = get_parser(default_config_files=[])
    options = parser.parse_args([
        "--headless", "--out", str(out), "--store", store, "--rate-scale", str(rate_scale),
        "--sync-timeout", str(sync_timeout),
    ])  # fmt: skip
    classes = [getattr(locustfile, name) for name in locustfile.__all__]
    env = Environment(user_classes=classes, events=events, parsed_options=options)
    runner = env.create_local_runner()
    hooks: Any = events  # Locust's event hooks are untyped
    hooks.init.fire(environment=env, runner=runner, web_ui=None)
    try:
        runner.start(users, spawn_rate=users)
        gevent.sleep(seconds)
    finally:
        runner.quit()
        hooks.quitting.fire(environment=env, reverse=True)
    summary = SESSION.summary or {}
    snapshot = context.snapshot()
    measured = {**summary.get("sync", {}), **summary.get("consent", {})}
    verdict = summary.get("checker") or {}
    return {
        "personas_missing": sorted(c.__name__ for c in classes
                                   if not snapshot.get("ran", {}).get(c.__name__)),
        "paths_missing": [p for p in (*paths.SYNC_PATHS, *paths.CONSENT_PATHS)
                          if (measured.get(p) or {}).get("count", 0)
                          - (measured.get(p) or {}).get("failures", 0) < 1],
        "quiesced": bool(verdict.get("quiesced")),
        "checker_ok": bool(verdict.get("ok")),
        "anomalies": [a["code"] for a in verdict.get("anomalies") or []],
        "operations": verdict.get("operations", 0),
        "ran": snapshot.get("ran", {}),
        "seen": snapshot.get("seen", {}),
        "summary": str(out / "summary.json"),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.smoke", description=__doc__)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--users", type=int, default=11)
    parser.add_argument("--rate-scale", type=float, default=2.0)
    parser.add_argument("--sync-timeout", type=float, default=10.0)
    parser.add_argument("--store", default="memory")
    parser.add_argument("--out", type=Path, default=Path("out/load-smoke"))
    args = parser.parse_args(argv)
    result = run(seconds=args.seconds, users=args.users, rate_scale=args.rate_scale,
                 out=args.out, store=args.store, sync_timeout=args.sync_timeout)  # fmt: skip
    print(orjson.dumps(result).decode(), flush=True)
    ok = not result["personas_missing"] and not result["paths_missing"] and result["checker_ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
