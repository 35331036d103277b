"""Identity matching accuracy against ground truth, side by side with Splink (DuckDB).

    python bench/bench_identity_accuracy.py [--people 4000] [--seed 11] [--levels low,medium,high]
                                            [--config scenarios/identity/matching.yaml]
                                            [--no-splink]

For each corruption level a population from ``simulators.population`` is generated, every
system record normalized, shuffled (records of the systems interleaved) and fed to the identity
index one at a time with ``match_and_insert``, exactly as ingest does. Measured:

- pairwise, over record pairs: precision, recall and F1 of the pairs scored ``high`` and of the
  pairs scored ``high`` or ``medium`` (a pair is true when both records are one person);
- the decisions: precision/recall/F1 of the persons the index built (pairs within a person),
  the false-merge rate of the high band (records linked to a person holding none of their true
  records), the review load (share of records decided ``medium`` or ``ambiguous``);
- Splink 5 (DuckDB backend), in the same run on the same normalized records and the same
  blocking keys, trained the usual way (u by random sampling, m by EM over two blocking
  rules): pairwise F1 at match probability 0.5 and 0.99 and at its best threshold (an
  oracle, which flatters Splink), and wall time (training + prediction) against ours.

Goal: our F1 >= Splink's, and the high band's precision >= 0.999.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from identity_population import population_records

from splitbrain.engine.adapters.identity.config import load_matching_config
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.domain.identity.blocking import soundex
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

Records = list[tuple[IdentityRecord, str]]


@dataclass
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def __str__(self) -> str:
        return f"P {self.precision:.4f}  R {self.recall:.4f}  F1 {self.f1:.4f}"


def _scores(true_positive: int, predicted: int, truth: int) -> Scores:
    return Scores(true_positive / predicted if predicted else 1.0, true_positive / truth)


def true_pair_count(records: Records) -> int:
    sizes = Counter(gt for _, gt in records)
    return sum(n * (n - 1) // 2 for n in sizes.values())


def run_ours(records: Records, parts: MatchingParts) -> dict[str, object]:
    cfg = parts.config.blocking
    index = MemoryIdentityIndex(
        parts.matcher, parts.blocking, cfg.max_block_size, cfg.max_exact_block_size
    )
    matcher = parts.matcher
    gt_of = {r.key: gt for r, gt in records}
    ids = (f"p{i}" for i in itertools.count())
    pairs: list[tuple[str, bool]] = []  # (pair band, true pair)
    decisions: Counter[str] = Counter()
    person_truths: dict[str, set[str]] = defaultdict(set)
    linked = false_merges = 0
    start = time.perf_counter()
    for record, gt in records:
        scored = index.scored(record)
        decision = matcher.decide(record, scored)
        filed = index.file(decision, lambda: next(ids))
        for s in scored:
            pairs.append((matcher.band(s.score, s.levels), gt_of[s.record.key] == gt))
        decisions[filed.band] += 1
        person = filed.assigned_person_id
        assert person is not None
        if filed.band == "high":
            linked += 1
            false_merges += gt not in person_truths[person]
        person_truths[person].add(gt)
    elapsed = time.perf_counter() - start
    truth = true_pair_count(records)
    high = [t for b, t in pairs if b == "high"]
    high_medium = [t for b, t in pairs if b in ("high", "medium")]
    clusters = _cluster_scores(index, gt_of, truth)
    return {
        "time": elapsed,
        "high": _scores(sum(high), len(high), truth),
        "high+medium": _scores(sum(high_medium), len(high_medium), truth),
        "clusters": clusters,
        "false_merge_rate": false_merges / linked if linked else 0.0,
        "review_load": (decisions["medium"] + decisions["ambiguous"]) / len(records),
        "decisions": decisions,
        "pairs_scored": len(pairs),
    }


def _cluster_scores(index: MemoryIdentityIndex, gt_of: dict[RecordKey, str], truth: int) -> Scores:
    persons: dict[str, list[str]] = defaultdict(list)
    for key, gt in gt_of.items():
        person = index.person_of(key)
        assert person is not None
        persons[person].append(gt)
    predicted = tp = 0
    for gts in persons.values():
        predicted += len(gts) * (len(gts) - 1) // 2
        tp += sum(n * (n - 1) // 2 for n in Counter(gts).values())
    return _scores(tp, predicted, truth)


def run_splink(records: Records, seed: int) -> dict[str, object]:
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    rows = [_splink_row(i, r, gt) for i, (r, gt) in enumerate(records)]
    table = pa.Table.from_pylist(rows)
    start = time.perf_counter()
    db_api = DuckDBAPI()
    df = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("identifier"),
            cl.NameComparison("given").configure(term_frequency_adjustments=True),
            cl.NameComparison("family").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("phone", [1]),
            cl.EmailComparison("email"),
            cl.JaroWinklerAtThresholds("address_line", [0.88]),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("identifier"),
            block_on("phone"),
            block_on("email"),
            block_on("family_sx", "birth_year"),
            block_on("date_of_birth", "given_initial"),
            block_on("postcode", "family3"),
            block_on("given_sx", "family_sx"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), record_sample_proportion=1.0
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("email"), record_sample_proportion=1.0
    )
    predictions = linker.inference.predict(threshold_match_probability=0.001)
    result = predictions.as_dict()
    elapsed = time.perf_counter() - start
    gts = [gt for _, gt in records]
    scored = [
        (p, gts[int(left)] == gts[int(right)])
        for p, left, right in zip(
            result["match_probability"], result["unique_id_l"], result["unique_id_r"], strict=True
        )
    ]
    truth = true_pair_count(records)

    def at(threshold: float) -> Scores:
        chosen = [t for p, t in scored if p >= threshold]
        return _scores(sum(chosen), len(chosen), truth)

    grid = [0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999]
    best = max(grid, key=lambda t: at(t).f1)
    return {
        "time": elapsed,
        "p>=0.5": at(0.5),
        "p>=0.99": at(0.99),
        "best": at(best),
        "best_threshold": best,
    }


def _splink_row(i: int, r: IdentityRecord, gt: str) -> dict[str, object]:
    def code(name: str | None) -> str | None:
        return soundex(name.split()[0]) if name else None

    return {
        "unique_id": str(i),
        "identifier": r.identifier,
        "given": r.given,
        "family": r.family,
        "date_of_birth": r.date_of_birth,
        "sex": r.sex,
        "phone": r.phone,
        "email": r.email,
        "address_line": r.address_line,
        "postcode": r.postcode,
        "family_sx": code(r.family),
        "given_sx": code(r.given),
        "birth_year": r.date_of_birth[:4] if r.date_of_birth else None,
        "given_initial": r.given[0] if r.given else None,
        "family3": r.family[:3] if r.family else None,
    }


def _line(name: str, value: object) -> None:
    print(f"  {name:<28}{value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--levels", default="low,medium,high")
    parser.add_argument("--config", default=None)
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    parts = MatchingParts.from_config(load_matching_config(args.config))
    splink: Callable[[Records, int], dict[str, object]] | None = (
        None if args.no_splink else run_splink
    )
    for level in args.levels.split(","):
        records = population_records(args.people, args.seed, level, parts.normalizer)
        print(
            f"\n== corruption {level}: {args.people} persons, {len(records)} records, "
            f"{true_pair_count(records)} true pairs"
        )
        ours = run_ours(records, parts)
        print(
            f"splitbrain (at ingest, one record at a time)  {ours['time']:.2f} s, "
            f"{ours['pairs_scored']} pairs scored"
        )
        for name in ("high", "high+medium", "clusters"):
            _line(f"{name} band pairs" if name != "clusters" else "persons built", ours[name])
        _line("false-merge rate (high)", f"{ours['false_merge_rate']:.5f}")
        _line("review load (medium)", f"{ours['review_load']:.4f}")
        _line("decisions", dict(ours["decisions"]))  # type: ignore[call-overload]
        if splink is None:
            continue
        theirs = splink(records, args.seed)
        print(f"splink 5 / duckdb (batch)  {theirs['time']:.2f} s")
        for name in ("p>=0.5", "p>=0.99"):
            _line(name, theirs[name])
        _line(f"best (p>={theirs['best_threshold']})", theirs["best"])
        ours_f1 = max(ours["high"].f1, ours["high+medium"].f1)  # type: ignore[attr-defined]
        theirs_f1 = theirs["p>=0.5"].f1  # type: ignore[attr-defined]
        print(
            f"  F1 ours/splink(p>=0.5): {ours_f1:.4f}/{theirs_f1:.4f} = "
            f"{ours_f1 / theirs_f1:.3f}; time ours/splink = "
            f"{ours['time'] / theirs['time']:.2f}"
        )  # type: ignore[operator]


if __name__ == "__main__":
    main()
