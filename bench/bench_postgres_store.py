"""Writes per second on the PostgreSQL store, beside the SQLite store, in the same run.

    python bench/bench_postgres_store.py --dsn postgresql:///bench?host=/tmp/pg&port=5432 \
        [--writes 3000] [--processes 2] [--synchronous FULL]

The DSN names a database the bench may fill (it creates and drops its own schemas there). Every
figure is durable per command (batch 1: each decision, with its audit entry, committed before
``ingest`` returns), on the same workload:

1. engine, SQLite (WAL, batch 1): the embedded default, measured in the same run;
2. engine, PostgreSQL, one process;
3. engine, PostgreSQL, N processes at once on one store (overlapping persons: they contend for
   the same field rows and always for the one audit tail); writes/s summed over the processes;
4. baseline: a bare psycopg loop committing one small row per transaction to the same server,
   the floor a one-commit-per-decision store cannot beat.

The report shows the server's ``fsync`` and ``synchronous_commit``: figures on a server with
``fsync=off`` (a test cluster) are not durable figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from splitbrain.engine.adapters.postgres_store import drop_store
from splitbrain.engine.bootstrap import bootstrap, random_keys
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.domain.policy import (
    ConflictRule,
    DisclosureClass,
    FieldPolicy,
    Policy,
    Provenance,
    StageOwner,
    SyncDirection,
)
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.clock import FixedClock

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = ("lead", "in_care")
FIELDS = ("lead_source", "contact_preference", "outreach_status")


def policy() -> Policy:
    rows = {
        name: FieldPolicy(
            name=name,
            disclosure=DisclosureClass.OPERATIONAL,
            owners=(StageOwner("crm", frozenset(STAGES)),),
            sync=SyncDirection.CRM_TO_EHR_SUMMARY,
            rule=ConflictRule.PRECEDENCE_LADDER,
            escalation_owner="ops",
            sla=timedelta(days=1),
        )
        for name in FIELDS
    }
    return Policy(name="bench", version="1", systems=("crm",), roles=("ops",), stages=STAGES,
                  fields=rows, stage_field="care_stage")  # fmt: skip


def workload(n: int, persons: int, offset: int = 0) -> list[Write]:
    """Blind CRM writes, each newer than the last; every 20th repeats an earlier one."""
    writes: list[Write] = []
    for i in range(offset, offset + n):
        if i % 20 == 19:
            writes.append(writes[(i - offset) // 2])
            continue
        writes.append(
            Write(
                idempotency_key=f"crm:evt-{i}", source_system="crm", source_record=f"c-{i}",
                person=f"per_{i % persons:06d}", field=FIELDS[i % len(FIELDS)],
                value=f"value-{i}", actor=f"usr_{i % 50}", role="ops", base_version=None,
                occurred_at=T0 + timedelta(microseconds=i), provenance=Provenance.USER_ENTERED,
            )
        )  # fmt: skip
    return writes


@dataclass
class Figure:
    name: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def run_engine(store: str, writes: list[Write], keys: AuditKeys, options: dict[str, Any]) -> float:
    """Ingest ``writes``; the wall seconds it took (the audit chain is verified after)."""
    engine = bootstrap(store=store, policy=policy(), clock=FixedClock(T0), keys=keys, **options)
    start = time.perf_counter()
    for write in writes:
        engine.ingest(write)
    seconds = time.perf_counter() - start
    assert engine.verify_audit().ok, "the audit chain must verify after the run"
    engine.close()
    return seconds


def _worker(store: str, writes: list[Write], keys: AuditKeys, options: dict[str, Any],
            start: Any, out: Any) -> None:  # fmt: skip
    engine = bootstrap(store=store, policy=policy(), clock=FixedClock(T0), keys=keys, **options)
    start.wait(timeout=120)
    began = time.perf_counter()
    for write in writes:
        engine.ingest(write)
    out.put((began, time.perf_counter()))
    engine.close()


def run_processes(store: str, shares: list[list[Write]], keys: AuditKeys,
                  options: dict[str, Any]) -> float:  # fmt: skip
    """Every share in its own spawned process at once; wall seconds first start to last end."""
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(len(shares)), spawn.Queue()
    workers = [spawn.Process(target=_worker, args=(store, share, keys, options, start, out))
               for share in shares]  # fmt: skip
    for worker in workers:
        worker.start()
    spans: list[tuple[float, float]] = [out.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a bench process failed (exit {worker.exitcode})")
    return max(end for _, end in spans) - min(began for began, _ in spans)


def bare_loop(dsn: str, rows: int) -> Figure:
    body = '{"kind":"applied","rule":"owner","value":"value-0","new":1}'
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(b"DROP TABLE IF EXISTS bench_bare")
        conn.execute(b"CREATE TABLE bench_bare (seq bigserial PRIMARY KEY, key text, body text)")
        start = time.perf_counter()
        for i in range(rows):
            conn.execute(b"INSERT INTO bench_bare (key, body) VALUES (%s, %s)", (f"k-{i}", body))
        seconds = time.perf_counter() - start
        conn.execute(b"DROP TABLE bench_bare")
    return Figure("bare psycopg insert, 1 commit per row", rows, seconds)


def settings(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        found = [conn.execute(f"SHOW {name}".encode()).fetchone() for name in ("fsync",
                 "synchronous_commit", "server_version")]  # fmt: skip
    fsync, commit, version = (row[0] if row else "?" for row in found)
    return f"PostgreSQL {version}, fsync={fsync}, synchronous_commit={commit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="postgresql://... a database to fill")
    parser.add_argument("--writes", type=int, default=3_000)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    args = parser.parse_args()
    keys, n = random_keys(), args.writes
    writes = workload(n, args.persons)
    shares = [workload(n // args.processes, args.persons, offset=(k + 1) * 10 * n)
              for k in range(args.processes)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        options: dict[str, Any] = {"synchronous": args.synchronous, "audit_dir": root / "audit"}
        sqlite = run_engine(f"sqlite:{root / 'engine.sqlite'}", writes, keys,
                            {"synchronous": args.synchronous})  # fmt: skip
        drop_store(args.dsn)
        one = run_engine(args.dsn, writes, keys, options)
        many = run_processes(args.dsn, shares, keys, options)
        with bootstrap(store=args.dsn, policy=policy(), keys=keys, **options) as engine:
            verdict = engine.verify_audit()
        assert verdict.ok, f"the shared chain must verify: {verdict.message}"
        drop_store(args.dsn)
    figures = [
        Figure(f"engine, SQLite (WAL, batch 1, {args.synchronous})", n, sqlite),
        Figure(f"engine, PostgreSQL, 1 process ({args.synchronous})", n, one),
        Figure(
            f"engine, PostgreSQL, {args.processes} processes, one store",
            sum(len(s) for s in shares),
            many,
        ),
        bare_loop(args.dsn, n),
    ]
    print(f"durable writes per second (one commit per decision); {settings(args.dsn)}")
    print(f"  {'':<52} {'writes':>7}  {'wall s':>7}  {'per s':>8}")
    for f in figures:
        print(f"  {f.name:<52} {f.rows:>7,}  {f.seconds:7.2f}  {f.rate:>8,.0f}")
    pg, bare = figures[1].rate, figures[3].rate
    print(f"  PostgreSQL 1 process / SQLite: {pg / figures[0].rate:.2f}")
    print(f"  PostgreSQL {args.processes} processes / 1 process: {figures[2].rate / pg:.2f}")
    print(f"  PostgreSQL 1 process / bare commit loop: {pg / bare:.2f}")


if __name__ == "__main__":
    main()
