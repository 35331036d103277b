"""Audit chain benchmark: append into SQLite, then verify a 1,000,000-entry chain.

Run: ``.venv/bin/python bench/bench_audit.py [--entries N]``

Figures printed, each beside a baseline measured in the same run:

- append: ``SqliteAuditLog.append`` of N entries in ONE transaction (durable at the commit),
  beside a bare ``INSERT`` loop of the same rows.
- verify, streamed from SQLite: ``verify(sqlite_entries(conn), checkpoints, key)`` (reads each
  row, parses and validates the event, re-derives its canonical bytes, recomputes the hash,
  checks the link and the checkpoints), beside plain SHA-256 over the same canonical hash-input
  bytes streamed from the same table. The resident memory growth during verify is reported to
  show it is constant.
- verify, in memory: ``verify`` over the AuditEntry objects append returned (no parsing),
  beside plain SHA-256 over the same bytes held in memory.

Events come from a pool of 1,000 distinct events reused in turn (seq, prev_hash and hash differ
for every entry), so the run measures the chain, not event construction.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import SqliteAuditLog, sqlite_entries
from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditKeys,
    AuditOutcome,
    fingerprint,
    verify,
)
from splitbrain.engine.domain.audit.entry import hash_input_v1

KEYS = AuditKeys(fingerprint_key=b"f" * 32, checkpoint_key=b"c" * 32)
POOL_SIZE = 1000


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


def _sampling_rss(entries: Iterator[AuditEntry], samples: list[int]) -> Iterator[AuditEntry]:
    for n, entry in enumerate(entries):
        if n % 50_000 == 0:
            samples.append(_rss_kib())
        yield entry
    samples.append(_rss_kib())


def _rate(n: int, seconds: float) -> str:
    return f"{n:>11,} in {seconds:7.2f} s = {n / seconds:>11,.0f} /s"


def _append(db: Path, n: int) -> tuple[list[AuditEntry], float, float, SqliteAuditLog]:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    log = SqliteAuditLog(conn, InMemoryCheckpointStore(), KEYS)
    conn.commit()
    pool = _pool()
    entries: list[AuditEntry] = []
    started = time.perf_counter()
    for i in range(n):
        entries.append(log.append(pool[i % POOL_SIZE]))
    appended = time.perf_counter() - started
    commit_started = time.perf_counter()
    conn.commit()
    committed = time.perf_counter() - commit_started
    log.checkpoint()
    return entries, appended, committed, log


def _bare_insert(db: Path, entries: list[AuditEntry]) -> float:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE bare (seq INTEGER PRIMARY KEY, v INT, p TEXT, h TEXT, e TEXT)")
    started = time.perf_counter()
    for e in entries:
        conn.execute(
            "INSERT INTO bare VALUES (?, ?, ?, ?, ?)",
            (e.seq, e.hash_version, e.prev_hash, e.hash, e.event.canonical_bytes().decode()),
        )
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _sha_streamed(conn: sqlite3.Connection) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for seq, _v, prev, _h, event in conn.execute(
        "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log ORDER BY seq"
    ):
        data = b"".join(
            (b'{"event":', event.encode(), b',"hash_version":1,"prev_hash":"', prev.encode(),
             b'","seq":', str(seq).encode(), b"}")
        )  # fmt: skip
        hashlib.sha256(data).hexdigest()
        count += 1
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    n = parser.parse_args().entries
    print(f"audit chain benchmark: {n:,} entries; Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "engine.sqlite"
        entries, appended, committed, log = _append(db, n)
        bare = _bare_insert(Path(tmp) / "bare.sqlite", entries)
        print(f"append, SqliteAuditLog, one transaction   {_rate(n, appended)}"
              f"  (+ commit {committed:.2f} s)")  # fmt: skip
        print(f"  baseline: bare INSERT loop, same rows    {_rate(n, bare)}"
              f"  ratio {bare / appended:.2f}")  # fmt: skip

        samples: list[int] = []
        checkpoints = log.checkpoints.all()
        started = time.perf_counter()
        result = verify(_sampling_rss(sqlite_entries(log.conn), samples), checkpoints,
                        KEYS.checkpoint_key)  # fmt: skip
        verified = time.perf_counter() - started
        assert result.ok and result.entries_checked == n, result.message
        count, sha = _sha_streamed(log.conn)
        growth = (max(samples) - samples[0]) / 1024
        print(f"verify, streamed from SQLite               {_rate(n, verified)}"
              f"  (RSS growth {growth:.1f} MiB)")  # fmt: skip
        print(f"  baseline: SHA-256 of the same bytes      {_rate(count, sha)}"
              f"  ratio {sha / verified:.3f}")  # fmt: skip

        started = time.perf_counter()
        result = verify(entries, checkpoints, KEYS.checkpoint_key)
        in_memory = time.perf_counter() - started
        assert result.ok
        blobs = [hash_input_v1(e.seq, e.prev_hash, e.event) for e in entries]
        started = time.perf_counter()
        for blob in blobs:
            hashlib.sha256(blob).hexdigest()
        raw = time.perf_counter() - started
        print(f"verify, in memory (no parsing)             {_rate(n, in_memory)}")
        print(f"  baseline: SHA-256 of the same bytes      {_rate(n, raw)}"
              f"  ratio {raw / in_memory:.3f}")  # fmt: skip
        print(f"result: {result.message}")
        log.conn.close()


if __name__ == "__main__":
    main()
