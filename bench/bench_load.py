"""The highest sustained rate at which sync p99 stays <= 50 ms: a step ramp, SQLite and PostgreSQL.

    python bench/bench_load.py [--stores sqlite,postgres,memory] [--users-per-step 6] [--steps 4]
                               [--step-seconds 15] [--dsn postgresql://...] [--slo-ms 50]
                               [--sut serve|reference] [--window N] [--warmup 10]

For each engine store, one headless Locust run (``load/locustfile.py``, shape ``ramp``: after
``--warmup`` seconds at the first step's size, not judged, step k runs k x ``--users-per-step``
users, each at a fixed rate of 0.5 tasks/s) against the embedded world and the reference engine
(``--sut serve``, the default: ``splitbrain engine serve`` in its own process, as a team deploys
it; ``reference``: inside the world's process, sharing its core). ``--window`` sets the simulators'
webhook window per endpoint. The run's ``timeline.json`` gives each step's figures (its first 2 s
skipped as ramp-in): the achieved request rate, the sync latency pooled over every path and per
path (p50/p95/p99), consent propagation p99 (revoke acknowledged → the CRM's flag off), the
generator's CPU, and the mean CPU of the world, the SUT and the database processes (percent of one
core; ``load.usage``). The answer is the highest step whose pooled sync p99 <= ``--slo-ms`` with no
sync miss; the baseline is the first (lowest) step of the same run, and the ratio compares the two.
``memory`` (the engine without a durable store) is the floor the stores are compared with.
PostgreSQL: ``--dsn`` or, without it, a throwaway cluster (tests/postgres_server.py).

The machine may be shared: the figures are what this run measured, under whatever else ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RAMP_IN = 2.0
_ROLES = ("world", "sut", "postgres")


def quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(min(rank, len(ordered))) - 1]


def figures(values: list[float]) -> dict[str, float | int | None]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50": quantile(ordered, 0.5), "p95": quantile(ordered, 0.95),
            "p99": quantile(ordered, 0.99)}  # fmt: skip


def run_ramp(store: str, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    total = args.warmup + args.steps * args.step_seconds
    env = {**os.environ, "SPLITBRAIN_LOAD_SHAPE": "ramp",
           "SPLITBRAIN_LOAD_USERS": str(args.users_per_step),
           "SPLITBRAIN_LOAD_STEPS": str(args.steps),
           "SPLITBRAIN_LOAD_STEP_SECONDS": str(args.step_seconds),
           "SPLITBRAIN_LOAD_WARMUP": str(args.warmup)}  # fmt: skip
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "load" / "locustfile.py"),
               "--headless", "--only-summary", "-t", f"{total + 5:.0f}s", "--out", str(out),
               "--csv", str(out / "locust"), "--html", str(out / "locust.html"),
               "--store", store, "--sut", args.sut, "--sync-timeout", "5"]  # fmt: skip
    if args.window:
        command += ["--webhook-window", str(args.window)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=total + 300, check=False)  # fmt: skip
    timeline = out / "timeline.json"
    if not timeline.exists():
        raise SystemExit(f"the load run on {store} wrote no timeline:\n{done.stderr[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return {"timeline": json.loads(timeline.read_text()), "summary": summary}


def steps(run: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    timeline = run["timeline"]
    per_second = {int(k): v for k, v in timeline["requests_per_second"].items()}
    cpu = timeline["cpu_per_second"]
    usage = timeline.get("usage_per_second") or []
    found = []
    for k in range(args.steps):
        start = args.warmup + k * args.step_seconds + RAMP_IN
        end = args.warmup + (k + 1) * args.step_seconds
        window = [s for s in timeline["samples"] if start <= s[0] < end]
        sync = [s for s in window if s[1] == "SYNC"]
        paths = sorted({s[2] for s in sync})
        requests = sum(v for t, v in per_second.items() if start <= t < end)
        cpu_window = cpu[int(start) : int(end)] or [0.0]
        used = usage[int(start) : int(end)]
        roles = {role: sum(u.get(role, 0.0) for u in used) / len(used)
                 for role in _ROLES if used}  # fmt: skip
        found.append({
            "step": k + 1, "users": args.users_per_step * (k + 1),
            "rate_rps": requests / (end - start),
            "sync": figures([s[3] for s in sync if s[4]]),
            "sync_misses": sum(1 for s in sync if not s[4]),
            "paths": {p: figures([s[3] for s in sync if s[2] == p and s[4]]) for p in paths},
            "consent": figures([s[3] for s in window if s[2] == "revoke→all" and s[4]]),
            "cpu_mean": sum(cpu_window) / len(cpu_window), "cpu_max": max(cpu_window),
            "usage": roles,
        })  # fmt: skip
    return found


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def report(store: str, found: list[dict[str, Any]], run: dict[str, Any], slo: float) -> None:
    print(f"\n== {store}")
    print("step users  rate/s  sync n  p50  p95  p99  misses  consent p99  cpu mean/max"
          "   world  sut   db")  # fmt: skip
    for s in found:
        print(f"{s['step']:>4} {s['users']:>5} {s['rate_rps']:>7.1f} {s['sync']['n']:>7} "
              f"{_ms(s['sync']['p50']):>4} {_ms(s['sync']['p95']):>4} {_ms(s['sync']['p99']):>4}"
              f" {s['sync_misses']:>7} {_ms(s['consent']['p99']):>12} "
              f"{s['cpu_mean']:>6.0f}%/{s['cpu_max']:.0f}%"
              + "".join(f" {_pct(s['usage'].get(r)):>5}" for r in _ROLES))  # fmt: skip
    good = [s for s in found if s["sync"]["p99"] is not None and s["sync"]["p99"] <= slo
            and not s["sync_misses"]]  # fmt: skip
    base = found[0]
    if not good:
        print(f"no step met sync p99 <= {slo:g} ms; the lowest step ({base['rate_rps']:.1f} "
              f"requests/s) per path:")  # fmt: skip
    best = max(good, key=lambda s: s["rate_rps"]) if good else base
    if good:
        print(f"highest rate with sync p99 <= {slo:g} ms: {best['rate_rps']:.1f} requests/s "
              f"({best['users']} users); generator CPU mean {best['cpu_mean']:.0f}%, "
              f"max {best['cpu_max']:.0f}% of one core")  # fmt: skip
    if best["paths"]:
        for path, f in best["paths"].items():
            print(f"  {path:<12} n={f['n']:<4} p50 {_ms(f['p50'])} p95 {_ms(f['p95'])} "
                  f"p99 {_ms(f['p99'])} ms")  # fmt: skip
        print(f"  consent propagation p99 {_ms(best['consent']['p99'])} ms (target <= 250)")
    if good:
        ratio = (best["sync"]["p99"] or 0) / (base["sync"]["p99"] or 1)
        print(f"baseline (step 1, {base['rate_rps']:.1f} requests/s): sync p99 "
              f"{_ms(base['sync']['p99'])} ms; ratio at the best rate {ratio:.2f}x")  # fmt: skip
    checker = run["summary"].get("checker") or {}
    print(f"checker: {checker.get('operations', 0)} operations, "
          f"{len(checker.get('anomalies') or [])} anomalies")  # fmt: skip


@contextmanager
def postgres(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    sys.path.insert(0, str(ROOT))
    from tests.postgres_server import ThrowawayCluster, server_bindir

    bindir = server_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries: pass --dsn or install postgresql")
    cluster = ThrowawayCluster(bindir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--users-per-step", type=int, default=6)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--slo-ms", type=float, default=50.0)
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds at step 1's size before step 1, not judged")  # fmt: skip
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--sut", default="serve",
                        help="serve (the reference engine in its own process, as deployed) or "
                             "reference (in the world's process)")  # fmt: skip
    parser.add_argument(
        "--window", type=int, default=0, help="the simulators' webhook window (0: their default)"
    )
    args = parser.parse_args()
    print(
        f"load step ramp: {args.warmup:g} s warm-up, {args.steps} steps x {args.step_seconds:g} s, "
        f"{args.users_per_step} users per step at 0.5 tasks/s each; cores {os.cpu_count()}; "
        f"engine: {args.sut}; webhook window: {args.window or 'default'}"
    )
    for name in args.stores.split(","):
        with tempfile.TemporaryDirectory(prefix="splitbrain-bench-load-") as scratch:
            out = Path(scratch)
            if name == "memory":
                run = run_ramp("memory", args, out)
                report("memory (no durable store: the floor)", steps(run, args), run, args.slo_ms)
            elif name == "sqlite":
                run = run_ramp(f"sqlite:{out / 'engine.db'}", args, out)
                report("SQLite", steps(run, args), run, args.slo_ms)
            elif name == "postgres":
                with postgres(args.dsn) as dsn:
                    run = run_ramp(dsn, args, out)
                report("PostgreSQL", steps(run, args), run, args.slo_ms)
            else:
                raise SystemExit(f"--stores {name!r}: use memory, sqlite and/or postgres")


if __name__ == "__main__":
    main()
