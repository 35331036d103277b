from __future__ import annotations

import random

import pytest

from splitbrain.engine.domain.identity.em import estimate_u, expectation_maximisation
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level

TRUE_M = ((0.9, 0.1), (0.85, 0.15), (0.8, 0.2))
TRUE_U = ((0.05, 0.95), (0.1, 0.9), (0.2, 0.8))


def _sample(n: int, prior: float, seed: int) -> list[tuple[int, ...]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        table = TRUE_M if rng.random() < prior else TRUE_U
        out.append(tuple(0 if rng.random() < row[0] else 1 for row in table))
    return out


def _start() -> FellegiSunter:
    return FellegiSunter(
        0.5,
        tuple(
            ComparisonModel(f"c{i}", (Level("agree", 0.7, u[0]), Level("else", 0.3, u[1])))
            for i, u in enumerate(TRUE_U)
        ),
    )


def test_em_recovers_m_and_the_prior_from_unlabelled_pairs() -> None:
    pairs = _sample(20_000, prior=0.3, seed=4)

    fit = expectation_maximisation(pairs, _start(), rounds=200)

    assert fit.converged
    assert fit.model.prior == pytest.approx(0.3, abs=0.03)
    for comparison, (m_agree, _) in zip(fit.model.comparisons, TRUE_M, strict=True):
        assert comparison.levels[0].m == pytest.approx(m_agree, abs=0.04)


def test_frozen_comparisons_keep_their_m_and_u() -> None:
    start = _start()

    fit = expectation_maximisation(_sample(2_000, 0.3, 5), start, frozen=("c0",))

    assert fit.model.comparisons[0] == start.comparisons[0]
    assert fit.model.comparisons[1] != start.comparisons[1]


def test_u_comes_from_level_shares_among_random_pairs() -> None:
    vectors = [(0, 1, -1)] * 10 + [(1, 1, 0)] * 30

    model = estimate_u(vectors, _start())

    assert model.comparisons[0].levels[0].u == pytest.approx(0.25)
    assert model.comparisons[1].levels[1].u == pytest.approx(1 - 1e-5)  # clamped, never 1
    assert model.comparisons[2].levels[0].u == pytest.approx(1 - 1e-5)  # nulls are skipped


def test_em_refuses_an_empty_sample_and_vectors_of_the_wrong_width() -> None:
    with pytest.raises(ModelInvalid):
        expectation_maximisation([], _start())
    with pytest.raises(ModelInvalid):
        expectation_maximisation([(0, 1)], _start())
