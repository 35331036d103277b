"""Decisions per second: pure ``decide()``, the engine in memory, and through the SQLite store.

    python bench/bench_durable.py [--writes 50000] [--batch 500] [--synchronous FULL]

Figures (one process, one core):

1. pure: ``decide()`` + ``apply()`` against a dict, no store, no audit (the reference);
2. engine, memory store: the whole service layer (bus, handlers, decision log, audit chain);
3. engine, SQLite: the same through ``sqlite:PATH`` in WAL mode with batched commits, then a
   small run with ``batch_size=1`` (one fsynced commit per decision);
4. baseline: a bare SQLite loop inserting the same number of rows (one per decision) into one
   table with the same journal mode, synchronous level and batch size, measured in the same run.

What is durable when: with ``--synchronous FULL`` and ``--batch B``, a decision (with its audit
entry, always in the same transaction) survives a crash or power loss once its batch of B
commands has committed; a crash loses at most the last B-1 decisions, each whole. With batch 1
every decision is durable when ``ingest`` returns. Target: >= 10,000 durable decisions/s.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def bench_pure(writes: list[Write], pol: Policy) -> Figure:
    states: dict[tuple[str, str], FieldState] = {}
    firsts: dict[str, object] = {}
    with Timer() as timer:
        for write in writes:
            key = (write.person, write.field)
            state = states.get(key) or FieldState.empty(*key)
            prior = firsts.get(write.idempotency_key)
            decision = decide(write, state, "lead", pol, prior=prior, now=T0)  # type: ignore[arg-type]
            if not isinstance(decision, DuplicateDelivery):
                firsts.setdefault(write.idempotency_key, decision)
            states[key] = apply(state, decision)
    return Figure("pure decide() + apply()", len(writes), timer.wall, timer.cpu)


def bench_engine(
    name: str, store: str, writes: list[Write], pol: Policy, batch: int, synchronous: str
) -> Figure:
    engine = bootstrap(
        store=store, policy=pol, clock=FixedClock(T0), batch_size=batch, synchronous=synchronous
    )  # type: ignore[arg-type]
    with Timer() as timer:
        for write in writes:
            engine.ingest(write)
        engine.flush()
    assert engine.verify_audit().ok, "the audit chain must verify after the run"
    engine.close()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=50_000)
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    args = parser.parse_args()
    pol, writes = policy(), workload(args.writes, args.persons)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        few = writes[: min(2_000, len(writes))]
        figures = [
            bench_pure(writes, pol),
            bench_engine("engine, memory store", "memory", writes, pol, 1, args.synchronous),
            bench_engine(
                f"engine, SQLite (batch {args.batch}, {args.synchronous})",
                f"sqlite:{root / 'batched.sqlite'}",
                writes,
                pol,
                args.batch,
                args.synchronous,
            ),
            bench_engine(
                f"engine, SQLite (batch 1, {args.synchronous})",
                f"sqlite:{root / 'single.sqlite'}",
                few,
                pol,
                1,
                args.synchronous,
            ),
            bench_bare(root / "bare.sqlite", len(writes), args.batch, args.synchronous),
        ]
    _report(figures, root, calibrate())


def _report(figures: list[Figure], root: Path, speed: float) -> None:
    print(
        f"decisions per second, one process (files under {root.parent}); this core runs "
        f"{speed:.0f}M empty loop iterations per CPU second (calibration: compare runs by it)"
    )
    print(f"  {'':<42} {'rows':>8}  {'wall s':>7}  {'per wall s':>10}  {'per CPU s':>10}")
    for f in figures:
        print(
            f"  {f.name:<42} {f.rows:>8,}  {f.seconds:7.3f}  {f.rate:>10,.0f}  {f.cpu_rate:>10,.0f}"
        )
    durable, bare = figures[2], figures[4]
    print(
        f"  durable engine / bare insert loop (wall): {durable.rate / bare.rate:.3f} "
        f"(the bare loop is {bare.rate / durable.rate:.1f}x faster)"
    )
    print(f"  durable engine / pure decide() (wall): {durable.rate / figures[0].rate:.3f}")
    met = "met" if durable.rate >= 10_000 else "NOT met on this machine now"
    print(f"  durable target >= 10,000/s (wall): {met}")


if __name__ == "__main__":
    main()
