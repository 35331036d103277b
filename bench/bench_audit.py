"""Audit chain benchmark: append into SQLite, then verify a 1,000,000-entry chain.

Run: ``.venv/bin/python bench/bench_audit.py [--entries N]``

Each figure stands beside a baseline measured in the same run. Rates are given per second of
wall-clock time and per second of this process's CPU time (on a shared machine the CPU figure
is the steadier one); ratios are taken on CPU time.

- append: ``SqliteAuditLog.append`` of N entries in ONE transaction (durable at the commit),
  beside a bare ``INSERT`` loop of the same rows.
- verify, streamed from SQLite (what ``SqliteAuditLog.verify`` and ``splitbrain audit verify``
  do): rows read as stored, SHA-256 recomputed over the stored canonical bytes, links, seqs and
  checkpoints checked; beside plain SHA-256 over the same hash-input bytes streamed from the
  same table. Resident memory is sampled during verify to show that it stays flat.
- deep verify, streamed from SQLite (``--deep``): the same, and every event also parsed and
  validated back into an ``AuditEvent`` whose canonical bytes are re-derived (over the first
  ``--deep-entries`` entries; the ratio is per entry against the streamed SHA-256 baseline).
- verify, in memory: ``verify`` over the AuditEntry objects append returned (no parsing),
  beside plain SHA-256 over the same bytes held in memory.

Events come from a pool of 1,000 distinct events used in turn (seq, prev_hash and hash differ
for every entry), so the run measures the chain, not event construction.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import (
    SqliteAuditLog,
    sqlite_entries,
    sqlite_stored_entries,
)
from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditKeys,
    AuditOutcome,
    ChainLink,
    fingerprint,
    verify,
)
from splitbrain.engine.domain.audit.entry import hash_input_v1

KEYS = AuditKeys(fingerprint_key=b"f" * 32, checkpoint_key=b"c" * 32)
POOL_SIZE = 1000
_ROWS = "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log ORDER BY seq"


@dataclass
class Timing:
    count: int
    wall: float
    cpu: float

    def line(self, label: str) -> str:
        return (
            f"{label:<44}{self.count:>10,} in {self.wall:6.1f} s wall = "
            f"{self.count / self.wall:>9,.0f}/s; CPU {self.cpu:6.1f} s = "
            f"{self.count / self.cpu:>9,.0f}/s"
        )


def _timed(count: int, work: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Timing(count, time.perf_counter() - wall, time.process_time() - cpu)


def _pool() -> list[AuditEvent]:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    outcomes = list(AuditOutcome)
    return [
        AuditEvent(
            actor=f"usr_{i % 37}",
            role="intake_ops",
            service="engine",
            action="write.decide",
            outcome=outcomes[i % len(outcomes)],
            at=start + timedelta(milliseconds=i),
            reason="owner",
            matrix_version="3",
            person=f"per_{i:06d}",
            correlation_id=f"corr-{i}",
            field_names=("legal_name", "phone"),
            fingerprints=(("legal_name", fingerprint(KEYS.fingerprint_key, f"name-{i}")),),
            extra=(("rule", "stage_owner_wins"), ("source_system", "crm")),
        )
        for i in range(POOL_SIZE)
    ]


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _sampling_rss(entries: Iterator[ChainLink], samples: list[int]) -> Iterator[ChainLink]:
    for n, entry in enumerate(entries):
        if n % 50_000 == 0:
            samples.append(_rss_kib())
        yield entry
    samples.append(_rss_kib())


def _bare_insert(db: Path, entries: list[AuditEntry]) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE bare (seq INTEGER PRIMARY KEY, v INT, p TEXT, h TEXT, e TEXT)")
    for e in entries:
        conn.execute(
            "INSERT INTO bare VALUES (?, ?, ?, ?, ?)",
            (e.seq, e.hash_version, e.prev_hash, e.hash, e.event.canonical_bytes().decode()),
        )
    conn.commit()
    conn.close()


def _sha_streamed(conn: sqlite3.Connection) -> None:
    for seq, _version, prev, _hash, event in conn.execute(_ROWS):
        parts = (b'{"event":', event.encode(), b',"hash_version":1,"prev_hash":"', prev.encode(),
                 b'","seq":', str(seq).encode(), b"}")  # fmt: skip
        hashlib.sha256(b"".join(parts)).hexdigest()


def _sha_in_memory(blobs: list[bytes]) -> None:
    for blob in blobs:
        hashlib.sha256(blob).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument(
        "--deep-entries", type=int, default=200_000, help="entries for the deep (parsing) verify"
    )
    args = parser.parse_args()
    n, deep_limit = args.entries, args.deep_entries
    print(f"audit chain benchmark: {n:,} entries; Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "engine.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        log = SqliteAuditLog(conn, InMemoryCheckpointStore(), KEYS)
        conn.commit()
        pool = _pool()
        entries: list[AuditEntry] = []

        append = _timed(
            n, lambda: [entries.append(log.append(pool[i % POOL_SIZE])) for i in range(n)]
        )
        commit = _timed(1, conn.commit)
        log.checkpoint()
        bare = _timed(n, lambda: _bare_insert(Path(tmp) / "bare.sqlite", entries))
        print(
            append.line("append: SqliteAuditLog, one transaction")
            + f" (+ commit {commit.wall:.1f} s)"
        )
        print(
            bare.line("  baseline: bare INSERT loop, same rows")
            + f"  ratio {bare.cpu / append.cpu:.2f}"
        )

        samples: list[int] = []
        checkpoints = log.checkpoints.all()
        results = []
        streamed = _timed(
            n,
            lambda: results.append(
                verify(
                    _sampling_rss(sqlite_stored_entries(conn), samples),
                    checkpoints,
                    KEYS.checkpoint_key,
                )
            ),
        )
        assert results[-1].ok and results[-1].entries_checked == n, results[-1].message
        sha_streamed = _timed(n, lambda: _sha_streamed(conn))
        growth = (max(samples) - samples[0]) / 1024
        print(streamed.line("verify: streamed from SQLite") + f" (RSS growth {growth:.1f} MiB)")
        print(
            sha_streamed.line("  baseline: SHA-256 of the same bytes")
            + f"  ratio {sha_streamed.cpu / streamed.cpu:.3f}"
        )

        deep_n = min(n, deep_limit)
        deep = _timed(
            deep_n,
            lambda: results.append(verify(islice(sqlite_entries(conn), deep_n), [], b"")),
        )
        assert results[-1].ok and results[-1].entries_checked == deep_n, results[-1].message
        per_entry_ratio = (sha_streamed.cpu / n) / (deep.cpu / deep_n)
        print(
            deep.line("deep verify: parse + validate every event")
            + f"  ratio {per_entry_ratio:.3f}"
        )

        in_memory = _timed(
            n, lambda: results.append(verify(entries, checkpoints, KEYS.checkpoint_key))
        )
        assert results[-1].ok
        blobs = [hash_input_v1(e.seq, e.prev_hash, e.event_bytes()) for e in entries]
        sha_memory = _timed(n, lambda: _sha_in_memory(blobs))
        print(in_memory.line("verify: in memory (no parsing)"))
        print(
            sha_memory.line("  baseline: SHA-256 of the same bytes")
            + f"  ratio {sha_memory.cpu / in_memory.cpu:.3f}"
        )
        print(f"result: {results[-1].message}")
        conn.close()


if __name__ == "__main__":
    main()
