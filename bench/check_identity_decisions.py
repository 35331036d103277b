"""Decisions at scale with and without a candidate-choice setting: do true duplicates keep theirs?

    python bench/check_identity_decisions.py [--size 1000000] [--probe 2000] [--seed 5]
                                             [--lone N] [--baseline-lone N]
                                             [--baseline-max-scored N]

The population of ``bench_identity_speed.py`` (same cache under ``bench/.cache/``): one record of
each of ``size`` persons is filed in a memory index (the person id is the ground-truth id), then
each probe record is matched (``match``: nothing filed, so every probe sees the same index)
twice: with the blocking of the shipped config (``--lone`` overrides its ``max_lone_block``),
and with a baseline blocking that differs only in ``max_lone_block`` (default: so large no
record is ever lone, i.e. the choice before that rule) and ``max_scored``. The probes
alternate: copies of indexed persons (true duplicates: they should link to their person) and
first records of new persons (strangers: they should not link).

Printed, for duplicates and strangers: how many keep the same decision (band, and the person
for every band but ``none``), the band changes and how many link; and the mean records scored
and the CPU time per match (``time.process_time``) under each choice. Ids only
(record keys, person ids), never a value. Exit status 1 when a duplicate's decision changed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter

from bench_identity_speed import cached_records

from splitbrain.engine.adapters.identity.config import load_matching_config
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.record import IdentityRecord

Outcome = tuple[str, str | None]


def _outcome(decision: MatchDecision) -> Outcome:
    return decision.band, (decision.person_id if decision.band != "none" else None)


def _run(
    index: MemoryIdentityIndex, blocking: BlockingKeys, probes: list[IdentityRecord]
) -> tuple[list[Outcome], float, float]:
    """Each probe's outcome, the mean records scored and the mean CPU ms per match."""
    index.blocking = blocking
    outcomes: list[Outcome] = []
    scored: list[int] = []
    start = time.process_time()
    for record in probes:
        outcomes.append(_outcome(index.match(record)))
    cpu_ms = (time.process_time() - start) / len(probes) * 1000
    for record in probes:
        scored.append(len(index.candidates(record)))
    return outcomes, statistics.fmean(scored), cpu_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--probe", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--lone", type=int, default=None, help="override ours (the config's)")
    parser.add_argument("--baseline-lone", type=int, default=10**9)
    parser.add_argument("--baseline-max-scored", type=int, default=None)
    args = parser.parse_args()
    parts = MatchingParts.from_config(load_matching_config())
    ours = parts.blocking
    if args.lone is not None:
        ours = BlockingKeys(ours.names, ours.max_scored, args.lone)
    baseline = BlockingKeys(
        ours.names, args.baseline_max_scored or ours.max_scored, args.baseline_lone
    )
    fill, probes = cached_records(args.size, args.probe, args.seed, parts, True)
    limits = parts.config.blocking
    index = MemoryIdentityIndex(
        parts.matcher, ours, limits.max_block_size, limits.max_exact_block_size
    )
    for record, gt in fill:
        index.insert(record, gt)
    del fill
    gc.collect()
    gc.freeze()
    print(
        f"# {args.size} persons indexed; {len(probes)} probes (even: duplicates, odd: strangers)"
        f"\n# ours: max_scored {ours.max_scored}, max_lone_block {ours.max_lone_block}; "
        f"baseline: max_scored {baseline.max_scored}, max_lone_block {baseline.max_lone_block}"
    )
    old, old_scored, old_cpu = _run(index, baseline, probes)
    new, new_scored, new_cpu = _run(index, ours, probes)
    print(
        f"records scored per match: baseline {old_scored:.1f}, ours {new_scored:.1f}; "
        f"CPU ms per match: baseline {old_cpu:.3f}, ours {new_cpu:.3f} "
        f"(ratio {new_cpu / old_cpu:.2f})"
    )
    duplicate_changed = 0
    for kind, parity in (("duplicates", 0), ("strangers", 1)):
        pairs = [(o, n, p) for i, (o, n, p) in enumerate(zip(old, new, probes, strict=True))
                 if i % 2 == parity]  # fmt: skip
        changed = [(o, n, p) for o, n, p in pairs if o != n]
        old_links = sum(o[0] == "high" for o, _, _ in pairs)
        new_links = sum(n[0] == "high" for _, n, _ in pairs)
        bands = Counter(f"{o[0]}->{n[0]}" for o, n, _ in changed)
        print(
            f"{kind:<11} {len(pairs)}: same decision {len(pairs) - len(changed)}, changed "
            f"{len(changed)} {dict(bands)}; linked: baseline {old_links}, ours {new_links}"
        )
        for o, n, p in changed[:10]:
            print(f"    {p.key}: {o[0]} {o[1]} -> {n[0]} {n[1]}")
        if kind == "duplicates":
            duplicate_changed = len(changed)
    return 1 if duplicate_changed else 0


if __name__ == "__main__":
    sys.exit(main())
