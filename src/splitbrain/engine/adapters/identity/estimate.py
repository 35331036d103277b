"""Estimate m, u, the prior and term frequencies from an unlabelled file (Splink's recipe).

1. u from random record pairs (almost all are different persons);
2. m by EM over the pairs of each training blocking key, with u fixed; the comparisons a key
   forces to agree say nothing about matches in that session and stay frozen there; each
   comparison's m is the mean over the sessions where it was free;
3. the prior by EM (everything else fixed) over all candidate pairs the index would score;
4. term frequencies of given and family names: the most common values and their shares.

Thresholds, guards, blocking and placeholders are kept from the starting config.

Example::

    fitted, report = estimate(records, MatchingParts.from_config(), seed=7)
    Path("matching.yaml").write_text(config_yaml(fitted))
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from splitbrain.engine.adapters.identity.config import (
    LevelConfig,
    MatchingConfig,
    TermFrequencies,
)
from splitbrain.engine.adapters.identity.factory import MatchingParts, fellegi_sunter
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.em import estimate_u, expectation_maximisation
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.model import FellegiSunter
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = ["TRAINING_SESSIONS", "EstimateReport", "config_yaml", "estimate"]

TRAINING_SESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dob_given", ("date_of_birth", "given")),
    ("email", ("email",)),
    ("phone", ("phone",)),
    ("family_dob", ("family", "date_of_birth")),
)
"""(blocking key, comparisons it forces to agree) per EM session."""


@dataclass(frozen=True, slots=True)
class EstimateReport:
    records: int
    random_pairs: int
    session_pairs: dict[str, int]
    candidate_pairs: int
    prior: float
    converged: dict[str, bool]


def _block_pairs(
    records: Sequence[IdentityRecord], key: str, max_block: int
) -> Iterator[tuple[int, int]]:
    keys = BlockingKeys([key])
    blocks: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        for k in keys.keys(r):
            blocks.setdefault(k, []).append(i)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= max_block:
            for pair in itertools.combinations(members, 2):
                if pair not in seen:
                    seen.add(pair)
                    yield pair


def estimate(
    records: Sequence[IdentityRecord],
    parts: MatchingParts,
    *,
    seed: int = 0,
    random_pairs: int = 200_000,
    tf_values: int = 300,
) -> tuple[MatchingConfig, EstimateReport]:
    """A config fitted to ``records`` (see the module docstring)."""
    if len(records) < 2:
        raise ModelInvalid("estimation needs at least two records")
    matcher, config = parts.matcher, parts.config
    clean = [matcher.gate.scrub(r) for r in records]
    rng = random.Random(seed)
    n = len(clean)
    sample = (rng.sample(range(n), 2) for _ in range(random_pairs))
    model = estimate_u(
        (matcher.levels(clean[i], clean[j]) for i, j in sample), fellegi_sunter(config)
    )
    m_sums: dict[str, list[list[float]]] = {c.name: [] for c in model.comparisons}
    session_pairs: dict[str, int] = {}
    converged: dict[str, bool] = {}
    max_block = config.blocking.max_block_size
    for key, frozen in TRAINING_SESSIONS:
        pairs = [matcher.levels(clean[i], clean[j]) for i, j in _block_pairs(clean, key, max_block)]
        session_pairs[key] = len(pairs)
        if not pairs:
            continue
        fit = expectation_maximisation(pairs, model, frozen=frozen)
        converged[key] = fit.converged
        for c in fit.model.comparisons:
            if c.name not in frozen:
                m_sums[c.name].append([level.m for level in c.levels])
    model = _averaged(model, m_sums)
    candidates = [
        matcher.levels(clean[i], clean[j])
        for i, j in set(
            itertools.chain.from_iterable(
                _block_pairs(clean, k, max_block) for k in config.blocking.keys
            )
        )
    ]
    if candidates:
        names = [c.name for c in model.comparisons]
        model = expectation_maximisation(candidates, model, frozen=names).model
    fitted = _config_of(config, model, clean, tf_values)
    report = EstimateReport(n, random_pairs, session_pairs, len(candidates), model.prior, converged)
    return fitted, report


def _averaged(model: FellegiSunter, m_sums: dict[str, list[list[float]]]) -> FellegiSunter:
    from dataclasses import replace

    comparisons = []
    for c in model.comparisons:
        runs = m_sums[c.name]
        if not runs:
            comparisons.append(c)
            continue
        means = [sum(col) / len(runs) for col in zip(*runs, strict=True)]
        total = sum(means)
        levels = tuple(replace(lv, m=m / total) for lv, m in zip(c.levels, means, strict=True))
        comparisons.append(replace(c, levels=levels))
    return replace(model, comparisons=tuple(comparisons))


def _config_of(
    config: MatchingConfig, model: FellegiSunter, records: Sequence[IdentityRecord], top: int
) -> MatchingConfig:
    comparisons = []
    for spec, fitted in zip(config.comparisons, model.comparisons, strict=True):
        levels = {lv.label: LevelConfig(m=lv.m, u=lv.u) for lv in fitted.levels}
        tf = spec.tf
        if tf is not None:
            tf = TermFrequencies(
                values=_frequencies(records, spec.field, top), other=None, minimum=tf.minimum
            )
        comparisons.append(spec.model_copy(update={"levels": levels, "tf": tf}))
    return config.model_copy(update={"prior": model.prior, "comparisons": tuple(comparisons)})


def _frequencies(records: Sequence[IdentityRecord], field: str, top: int) -> dict[str, float]:
    counts = Counter(v for r in records if (v := getattr(r, field)) is not None)
    total = sum(counts.values())
    return {v: round(c / total, 8) for v, c in counts.most_common(top) if c >= 3}


def config_yaml(config: MatchingConfig) -> str:
    """The config as YAML that :func:`load_matching_config` reads back."""
    header = (
        "# Identity matching config estimated by `splitbrain identity estimate` (EM).\n"
        "# Thresholds, guards, blocking and placeholders were kept from the starting config.\n"
    )
    data = config.model_dump(mode="json")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
