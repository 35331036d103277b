"""Identity index speed: match-and-insert per record at 10k, 100k (and 1M) indexed persons.

    python bench/bench_identity_speed.py [--sizes 10000,100000] [--million] [--probe 2000]
                                         [--store memory|sqlite|both] [--seed 5]

For each size N a population of N + probe persons is generated (medium corruption). The index
is filled with one normalized record of each of the first N persons (``insert``, not timed).
Then ``probe`` arriving records are timed one by one through ``match_and_insert``: half are
other systems' copies of indexed persons (they should link), half are first records of new
persons (they should create). The filled index is frozen out of the garbage collector
(``gc.freeze()``, as a long-running engine process would do after loading). Reported: p50,
p95, p99 and mean ms per record, candidates scored per record (mean and p99), and the resident
memory the index holds (RSS growth while filling it; for SQLite, the database file size). Also
the p50 and p99 of the CPU time the matching thread used per record (``time.thread_time``): on
a shared machine the wall-clock tail is mostly other processes' time slices; CPU time is our
own cost.

Baselines, measured in the same run: an empty Python function call (how fast this machine is
at that moment: on a shared machine it varies several-fold), scoring one candidate pair with
the same matcher (the unit cost a match-and-insert multiplies), and the p50 at the smallest
size (flatness: the ratio of each size's p50 to it should stay near 1).
Target: p99 <= 2 ms at 1M, flat cost per record.
``--max-scored N`` overrides the cap on records scored per arrival (``0``: none, to see the
candidate count grow with N); ``--max-lone-block N`` the block size over which a record sharing
a single key with the arrival is not scored when the cap is exceeded (``0``: never skipped, the
choice before that rule). ``--million`` adds N = 1,000,000. Generating and normalizing a
population dominates (minutes at 1M), so the records of each (size, probe, seed) are cached
under ``bench/.cache/`` (git ignored), keyed by a hash of the generator's and normalizer's
sources: an edit to either makes a fresh population. ``--no-cache`` always generates.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path

from identity_population import iter_population, to_identity

from splitbrain.engine.adapters.identity.config import load_matching_config
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_sqlite import SqliteIdentityIndex
from splitbrain.engine.domain.identity.record import IdentityRecord


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _records(
    size: int, probe: int, seed: int, parts: MatchingParts
) -> tuple[list[tuple[IdentityRecord, str]], list[IdentityRecord]]:
    """(one record per indexed person, its gt), and the probe records in arrival order."""
    fill: list[tuple[IdentityRecord, str]] = []
    seen: set[str] = set()
    duplicates: list[IdentityRecord] = []
    fresh: list[IdentityRecord] = []
    half = probe // 2
    for record, gt in iter_population(size + half, seed, "medium"):
        if gt in seen:
            if len(duplicates) < half and len(fill) > size - 4 * half:
                duplicates.append(to_identity(parts.normalizer, record))
            continue
        seen.add(gt)
        if len(fill) < size:
            fill.append((to_identity(parts.normalizer, record), gt))
        elif len(fresh) < half:
            fresh.append(to_identity(parts.normalizer, record))
    probes = [r for pair in itertools.zip_longest(duplicates, fresh) for r in pair if r]
    return fill, probes


_HERE = Path(__file__).resolve().parent
_CACHE = _HERE / ".cache"
_SOURCES = (
    _HERE / "identity_population.py",
    *sorted((_HERE.parent / "simulators" / "population").rglob("*.py")),
    *sorted((_HERE.parent / "src" / "splitbrain" / "engine" / "adapters" / "identity").glob("n*")),
)
"""What the cached records depend on: the generator, the normalizer and its nickname table."""


def cached_records(
    size: int, probe: int, seed: int, parts: MatchingParts, use_cache: bool
) -> tuple[list[tuple[IdentityRecord, str]], list[IdentityRecord]]:
    digest = hashlib.sha256()
    for source in _SOURCES:
        digest.update(source.read_bytes())
    path = _CACHE / f"identity-speed-{size}-{probe}-{seed}-{digest.hexdigest()[:12]}.pickle"
    if use_cache and path.is_file():
        with path.open("rb") as f:
            loaded: tuple[list[tuple[IdentityRecord, str]], list[IdentityRecord]] = pickle.load(f)
        return loaded
    records = _records(size, probe, seed, parts)
    if use_cache:
        _CACHE.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as f:
            pickle.dump(records, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    return records


def _index(store: str, parts: MatchingParts, directory: Path) -> BlockedIndex:
    limits = (parts.config.blocking.max_block_size, parts.config.blocking.max_exact_block_size)
    if store == "memory":
        return MemoryIdentityIndex(parts.matcher, parts.blocking, *limits)
    path = directory / f"identity-{time.monotonic_ns()}.sqlite"
    return SqliteIdentityIndex.open(str(path), parts.matcher, parts.blocking, *limits)


def _run(
    store: str,
    fill: list[tuple[IdentityRecord, str]],
    probes: list[IdentityRecord],
    parts: MatchingParts,
    directory: Path,
) -> dict[str, float]:
    gc.collect()
    before = _rss_mb()
    index = _index(store, parts, directory)
    start = time.perf_counter()
    if isinstance(index, SqliteIdentityIndex):
        with index.batch():
            for record, gt in fill:
                index.insert(record, gt)
    else:
        for record, gt in fill:
            index.insert(record, gt)
    fill_s = time.perf_counter() - start
    held = _rss_mb() - before
    if isinstance(index, SqliteIdentityIndex):  # its index lives in the file, not in RAM
        newest = max(directory.glob("identity-*.sqlite"), key=lambda f: f.stat().st_mtime)
        held = sum(f.stat().st_size for f in directory.glob(f"{newest.name}*")) / 2**20
    gc.collect()
    gc.freeze()  # a long-lived index is old objects: keep full collections from walking it
    ids = (f"new-{i}" for i in itertools.count())
    times: list[float] = []
    cpu: list[float] = []
    counts: list[int] = []
    links = 0
    for record in probes:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        decision = index.match_and_insert(record, lambda: next(ids))
        times.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        counts.append(len(index.candidates(record)))
        links += decision.band == "high"
    times.sort()
    cpu.sort()
    if isinstance(index, SqliteIdentityIndex):
        index.close()
    gc.unfreeze()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "p99": times[int(len(times) * 0.99) - 1],
        "mean": statistics.fmean(times),
        "cpu50": statistics.median(cpu),
        "cpu99": cpu[int(len(cpu) * 0.99) - 1],
        "candidates": statistics.fmean(counts),
        "candidates99": sorted(counts)[int(len(counts) * 0.99) - 1],
        "links": links / len(probes),
        "fill_s": fill_s,
        "rss_mb": held,
    }


def _call_baseline() -> float:
    """One empty Python function call, in microseconds: how fast this machine is right now."""
    calls = 200_000
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in itertools.repeat(None, calls):
            _noop()
        best = min(best, (time.perf_counter_ns() - start) / calls / 1000)
    return best


def _noop() -> None:
    return None


def _pair_baseline(parts: MatchingParts, fill: list[tuple[IdentityRecord, str]]) -> float:
    pairs = [(fill[i][0], fill[i + 1][0]) for i in range(0, min(len(fill) - 1, 20000), 2)]
    start = time.perf_counter_ns()
    for a, b in pairs:
        parts.matcher.score(a, b)
    return (time.perf_counter_ns() - start) / len(pairs) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--probe", type=int, default=2000)
    parser.add_argument("--store", choices=("memory", "sqlite", "both"), default="both")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-cache", action="store_true", help="generate, never read the cache")
    parser.add_argument(
        "--max-scored",
        type=int,
        default=None,
        help="override the config's cap on records scored per arrival (0: no cap)",
    )
    parser.add_argument(
        "--max-lone-block",
        type=int,
        default=None,
        help="override the config's lone-record block limit (0: none, every record may be scored)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    stores = ("memory", "sqlite") if args.store == "both" else (args.store,)
    config = load_matching_config()
    if args.max_scored is not None:
        cap = args.max_scored or 10**9
        blocking = config.blocking.model_copy(update={"max_scored": cap})
        config = config.model_copy(update={"blocking": blocking})
    if args.max_lone_block is not None:
        lone = args.max_lone_block or 10**9
        blocking = config.blocking.model_copy(update={"max_lone_block": lone})
        config = config.model_copy(update={"blocking": blocking})
    parts = MatchingParts.from_config(config)
    print(
        f"# at most {parts.blocking.max_scored} records scored per arrival; over that, a record "
        f"sharing one key only if its block holds <= {parts.blocking.max_lone_block}"
    )
    first: dict[str, float] = {}
    print(
        f"{'store':<8}{'persons':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
        f"{'cpu p50':>9}{'cpu p99':>9}{'cands':>7}{'c p99':>6}{'linked':>8}{'fill s':>8}"
        f"{'index MB':>10}{'p50/p50(min)':>14}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            start = time.perf_counter()
            fill, probes = cached_records(size, args.probe, args.seed, parts, not args.no_cache)
            print(
                f"# {size} persons generated (or read from the cache) in "
                f"{time.perf_counter() - start:.1f} s; {len(probes)} probe records; one pair "
                f"scored in {_pair_baseline(parts, fill) * 1000:.1f} us, an empty call in "
                f"{_call_baseline():.3f} us (baselines)"
            )
            for store in stores:
                r = _run(store, fill, probes, parts, Path(tmp))
                first.setdefault(store, r["p50"])
                print(
                    f"{store:<8}{size:>10}{r['p50']:>9.3f}{r['p95']:>9.3f}{r['p99']:>9.3f}"
                    f"{r['mean']:>9.3f}{r['cpu50']:>9.3f}{r['cpu99']:>9.3f}"
                    f"{r['candidates']:>7.1f}{r['candidates99']:>6.0f}{r['links']:>8.2f}{r['fill_s']:>8.1f}"
                    f"{r['rss_mb']:>10.0f}{r['p50'] / first[store]:>14.2f}"
                )
            del fill, probes
            gc.collect()


if __name__ == "__main__":
    main()
