"""Durable decisions per second: the engine on SQLite against pure ``decide()``, same run.

    python bench/bench_durable.py [--writes 20000] [--batch 500] [--recommend 64] [--repeat 3]
                                  [--synchronous FULL] [--single 1000] [--shared 5000]
                                  [--postgres DSN] [--postgres-writes 2000]

Each run measures (one process, one core; wall and CPU time both):

1. pure ``decide()``: the workload's decide() calls replayed alone (inputs recorded in a first
   pass with ``apply()`` over a dict): the baseline every ratio is taken against;
2. engine, memory store: the whole service layer (bus, handlers, decision log, audit chain);
3. engine, SQLite with ``batch_size=1`` (``--single`` writes: one fsynced commit each);
4. engine, SQLite with ``batch_size=--recommend`` and with ``batch_size=--batch``;
5. a bare SQLite loop inserting one row per decision into one table, same journal mode,
   synchronous level and batch size (what the store's SQL alone could reach);
6. engine, SQLite with ``batch_size=--recommend`` on a file another connection commits to after
   every batch (``--shared`` writes; 0 skips it), as the engine service's sync store does: the
   cost of refreshing the caches after a foreign commit;
7. with ``--postgres DSN``: the engine on PostgreSQL (batch 1: every decision commits before
   ``ingest`` returns), ``--postgres-writes`` writes on a schema made fresh for each run (the
   DSN's role must own its schema; ``tests/postgres_server.py`` makes a throwaway cluster).

The runs are repeated (``--repeat``): the machine is shared, so the best figure and the spread
over runs are printed, and every ratio is taken within one run.

What is durable when: with ``--synchronous FULL`` and batch B, a decision (with its audit entry,
always in the same transaction) survives a crash or power loss once its batch of B commands has
committed; a crash loses at most the last B-1 decisions, each whole. With batch 1 every decision
is durable when ``ingest`` returns. Target: >= 10,000 durable decisions/s.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from splitbrain.engine.adapters.sqlite_store import Synchronous
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decide import apply, decide
from splitbrain.engine.domain.decisions import DuplicateDelivery
from splitbrain.engine.domain.policy import (
    ConflictRule,
    DisclosureClass,
    FieldPolicy,
    Policy,
    Provenance,
    StageOwner,
    SyncDirection,
)
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.clock import FixedClock

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = ("lead", "in_care")
FIELDS = ("lead_source", "contact_preference", "outreach_status", "medication_plan")


def policy() -> Policy:
    def row(name: str, owner: str) -> FieldPolicy:
        return FieldPolicy(
            name=name,
            disclosure=DisclosureClass.OPERATIONAL,
            owners=(StageOwner(owner, frozenset(STAGES)),),
            sync=SyncDirection.CRM_TO_EHR_SUMMARY,
            rule=ConflictRule.PRECEDENCE_LADDER,
            escalation_owner="ops",
            sla=timedelta(days=1),
        )

    rows = {name: row(name, "ehr" if name == "medication_plan" else "crm") for name in FIELDS}
    return Policy(
        name="bench",
        version="1",
        systems=("crm", "ehr"),
        roles=("ops",),
        stages=STAGES,
        fields=rows,
        stage_field="care_stage",
    )


def workload(n: int, persons: int) -> list[Write]:
    """Blind CRM writes, newer each time (applied); writes to the EHR-owned field are rejected
    as not_owner; every 20th delivery repeats an earlier write (a duplicate)."""
    writes: list[Write] = []
    for i in range(n):
        if i % 20 == 19:
            writes.append(writes[i // 2])
            continue
        field = FIELDS[i % len(FIELDS)]
        writes.append(
            Write(
                idempotency_key=f"crm:evt-{i}",
                source_system="crm",
                source_record=f"c-{i}",
                person=f"per_{i % persons:06d}",
                field=field,
                value=f"value-{i}",
                actor=f"usr_{i % 50}",
                role="ops",
                base_version=None,
                occurred_at=T0 + timedelta(microseconds=i),
                provenance=Provenance.USER_ENTERED,
            )
        )
    return writes


@dataclass
class Figure:
    name: str
    rows: int
    seconds: float
    cpu: float
    """Process CPU seconds: what one core spent, whatever else the machine was doing."""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.rows / self.cpu


class Timer:
    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


Call = tuple[Write, FieldState, object]


def record_calls(writes: list[Write], pol: Policy) -> list[Call]:
    """Run the workload through decide() + apply() over a dict; each call's inputs, in order."""
    states: dict[tuple[str, str], FieldState] = {}
    firsts: dict[str, object] = {}
    calls: list[Call] = []
    for write in writes:
        key = (write.person, write.field)
        state = states.get(key) or FieldState.empty(*key)
        prior = firsts.get(write.idempotency_key)
        calls.append((write, state, prior))
        decision = decide(write, state, "lead", pol, prior=prior, now=T0)  # type: ignore[arg-type]
        if not isinstance(decision, DuplicateDelivery):
            firsts.setdefault(write.idempotency_key, decision)
        states[key] = apply(state, decision)
    return calls


def bench_pure(calls: list[Call], pol: Policy) -> Figure:
    with Timer() as timer:
        for write, state, prior in calls:
            decide(write, state, "lead", pol, prior=prior, now=T0)  # type: ignore[arg-type]
    return Figure("pure decide()", len(calls), timer.wall, timer.cpu)


def bench_engine(
    name: str,
    store: str,
    writes: list[Write],
    pol: Policy,
    batch: int,
    synchronous: Synchronous,
    audit_dir: Path | None = None,
) -> Figure:
    engine = bootstrap(
        store=store,
        policy=pol,
        clock=FixedClock(T0),
        batch_size=batch,
        synchronous=synchronous,
        fresh=audit_dir is not None,
        audit_dir=audit_dir,
    )
    with Timer() as timer:
        for write in writes:
            engine.ingest(write)
        engine.flush()
    assert engine.verify_audit().ok, "the audit chain must verify after the run"
    metrics = engine.metrics()
    decided = metrics.writes_decided + metrics.duplicate_deliveries
    assert decided == len(writes), "every write must be decided and logged"
    engine.close()
    return Figure(name, len(writes), timer.wall, timer.cpu)


def bench_shared(
    path: Path, writes: list[Write], pol: Policy, batch: int, sync: Synchronous
) -> Figure:
    """The engine while another connection commits to its file after every batch."""
    store, clock = f"sqlite:{path}", FixedClock(T0)
    engine = bootstrap(store=store, policy=pol, clock=clock, batch_size=batch, synchronous=sync)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE bench_other (n INTEGER NOT NULL)")
    with Timer() as timer:
        for n, write in enumerate(writes, 1):
            engine.ingest(write)
            if n % batch == 0:  # the batch committed: the other connection commits too
                other.execute("INSERT INTO bench_other (n) VALUES (?)", (n,))
        engine.flush()
    other.close()
    assert engine.verify_audit().ok, "the audit chain must verify after the run"
    engine.close()
    name = f"engine, SQLite batch {batch}, shared file"
    return Figure(name, len(writes), timer.wall, timer.cpu)


def bench_bare(path: Path, rows: int, batch: int, synchronous: str) -> Figure:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL)")
    body = '{"kind":"applied","rule":"owner","value":"value-0","new":1}'
    with Timer() as timer:
        conn.execute("BEGIN")
        for i in range(rows):
            conn.execute("INSERT INTO t (key, body) VALUES (?, ?)", (f"crm:evt-{i}", body))
            if (i + 1) % batch == 0:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
        conn.execute("COMMIT")
    conn.close()
    return Figure(f"bare SQLite insert loop (batch {batch})", rows, timer.wall, timer.cpu)


def calibrate() -> float:
    """Millions of empty Python loop iterations per CPU second: how fast this core is now."""
    with Timer() as timer:
        for _ in range(2_000_000):
            pass
    return 2.0 / timer.cpu


def one_run(
    args: argparse.Namespace, root: Path, writes: list[Write], calls: list[Call]
) -> list[Figure]:
    pol, sync = policy(), cast(Synchronous, args.synchronous)

    def sqlite(batch: int, rows: list[Write]) -> Figure:
        name = f"engine, SQLite batch {batch} ({sync})"
        return bench_engine(name, f"sqlite:{root / f'b{batch}.sqlite'}", rows, pol, batch, sync)

    figures = [
        bench_pure(calls, pol),
        bench_engine("engine, memory store", "memory", writes, pol, 1, sync),
        sqlite(1, writes[: args.single]),
        sqlite(args.recommend, writes),
        sqlite(args.batch, writes),
        bench_bare(root / "bare.sqlite", len(writes), args.batch, sync),
    ]
    if args.shared:
        rows = writes[: args.shared]
        figures.append(bench_shared(root / "shared.sqlite", rows, pol, args.recommend, sync))
    if args.postgres:
        rows = writes[: args.postgres_writes]
        name = "engine, PostgreSQL batch 1"
        figures.append(bench_engine(name, args.postgres, rows, pol, 1, sync, root / "pg-audit"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--recommend", type=int, default=64, help="the batch size recommended")
    parser.add_argument("--single", type=int, default=1_000, help="writes run with batch 1")
    parser.add_argument("--shared", type=int, default=5_000, help="writes on a shared file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL DSN")
    parser.add_argument("--postgres-writes", type=int, default=2_000)
    args = parser.parse_args()
    writes = workload(args.writes, args.persons)
    calls = record_calls(writes, policy())
    runs: list[list[Figure]] = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in range(args.repeat):
            root = Path(tmp) / f"run{n}"
            root.mkdir()
            runs.append(one_run(args, root, writes, calls))
    _report(runs, args, calibrate())


def _spread(values: list[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}" if len(values) > 1 else "-"


def _report(runs: list[list[Figure]], args: argparse.Namespace, speed: float) -> None:
    print(
        f"decisions per second, {len(runs)} runs (best and spread), one process; this core runs "
        f"{speed:.0f}M empty loop iterations per CPU second (compare runs by it)"
    )
    head = f"{'per wall s':>10} {'spread':>15}  {'per CPU s':>10} {'spread':>15}"
    print(f"  {'':<38} {'rows':>7}  {head}")
    for i, first in enumerate(runs[0]):
        figs = [run[i] for run in runs]
        walls, cpus = [f.rate for f in figs], [f.cpu_rate for f in figs]
        print(
            f"  {first.name:<38} {first.rows:>7,}  {max(walls):>10,.0f} {_spread(walls):>15}"
            f"  {max(cpus):>10,.0f} {_spread(cpus):>15}"
        )
    print("  ratios within a run (best, and the range over runs), per CPU s | per wall s:")
    for i in (1, 2, 3, 4, *range(6, len(runs[0]))):
        name = runs[0][i].name
        cpu = [run[i].cpu_rate / run[0].cpu_rate for run in runs]
        wall = [run[i].rate / run[0].rate for run in runs]
        print(
            f"    {name} / pure decide(): {max(cpu):.3f} ({min(cpu):.3f}-{max(cpu):.3f})"
            f" | {max(wall):.3f} ({min(wall):.3f}-{max(wall):.3f})"
        )
    bare = [run[4].cpu_rate / run[5].cpu_rate for run in runs]
    print(
        f"    {runs[0][4].name} / {runs[0][5].name}: {max(bare):.3f} "
        f"({min(bare):.3f}-{max(bare):.3f}) per CPU s"
    )
    if args.shared:
        shared = [run[6].cpu_rate / run[3].cpu_rate for run in runs]
        print(
            f"    {runs[0][6].name} / {runs[0][3].name}: {max(shared):.3f} "
            f"({min(shared):.3f}-{max(shared):.3f}) per CPU s"
        )
    best = max(run[4].rate for run in runs)
    best_cpu = max(run[4].cpu_rate for run in runs)
    met = "met" if best >= 10_000 else "NOT met on this machine now"
    print(
        f"  durable target >= 10,000/s with batch {args.batch}: {met} "
        f"(best {best:,.0f}/wall s, {best_cpu:,.0f}/CPU s)"
    )


if __name__ == "__main__":
    main()
