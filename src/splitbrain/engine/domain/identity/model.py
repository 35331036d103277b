"""Fellegi-Sunter weights: m and u per comparison level, a prior, term-frequency adjustment.

``m`` is the probability of the level among true matches, ``u`` among non-matches; the level's
weight is ``log2(m / u)``. The score of a pair is the prior's log2 odds plus the weight of every
non-null level, so scores add up in an explanation. Exact agreement on a value listed in the
comparison's term-frequency table uses that value's frequency as ``u`` (Splink's adjustment):
agreeing on "smith" counts for less than agreeing on a rare family name.

>>> level = Level("exact", m=0.9, u=0.01)
>>> round(level.weight, 2)
6.49
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from splitbrain.engine.domain.identity.errors import ModelInvalid

__all__ = ["ComparisonModel", "FellegiSunter", "Level"]


def _check_probability(what: str, value: float) -> None:
    if not 0.0 < value < 1.0 or math.isnan(value):
        raise ModelInvalid(f"{what} must be a probability strictly between 0 and 1; fix the config")


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level's m and u."""

    label: str
    m: float
    u: float

    def __post_init__(self) -> None:
        _check_probability(f"level {self.label!r}: m", self.m)
        _check_probability(f"level {self.label!r}: u", self.u)

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True, slots=True)
class ComparisonModel:
    """The levels of one comparison, in the comparison's label order.

    ``tf`` maps a value to its frequency among records (the ``u`` of exact agreement on it);
    ``tf_other`` is the frequency assumed for unlisted values (``None``: the exact level's u);
    ``tf_minimum`` floors every frequency so that a one-off value cannot weigh without bound.
    """

    name: str
    levels: tuple[Level, ...]
    tf: Mapping[str, float] = field(default_factory=dict)
    tf_other: float | None = None
    tf_minimum: float = 1e-6

    def __post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ModelInvalid(f"comparison {self.name!r} needs at least two levels")
        for value, freq in self.tf.items():
            del value
            _check_probability(f"comparison {self.name!r}: a term frequency", freq)
        if self.tf_other is not None:
            _check_probability(f"comparison {self.name!r}: tf_other", self.tf_other)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(level.label for level in self.levels)

    def weights(self) -> tuple[float, ...]:
        return tuple(level.weight for level in self.levels)

    def tf_weight(self, value: str) -> float | None:
        """The exact-agreement weight on ``value``, or ``None`` when not adjusted."""
        freq = self.tf.get(value, self.tf_other)
        if freq is None:
            return None
        return math.log2(self.levels[0].m / max(freq, self.tf_minimum))


@dataclass(frozen=True, slots=True)
class FellegiSunter:
    """The model: the prior (probability that a blocked candidate pair is a match) and the
    comparisons' levels, in comparison order."""

    prior: float
    comparisons: tuple[ComparisonModel, ...]

    def __post_init__(self) -> None:
        _check_probability("prior", self.prior)
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ModelInvalid("two comparisons share a name; each comparison is named once")

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def comparison(self, name: str) -> ComparisonModel:
        for c in self.comparisons:
            if c.name == name:
                return c
        raise ModelInvalid(f"the model has no comparison {name!r}")
