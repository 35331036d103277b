"""Fast draws from a ``random.Random``: ``rng.choice`` costs several times a ``rng.random()``
call, and the generator makes millions of draws.

>>> import random
>>> pick(random.Random(1), ("a", "b", "c"))
'a'
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["pick", "weighted"]

T = TypeVar("T")


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """A uniformly drawn item of a non-empty sequence."""
    return items[int(rng.random() * len(items))]


def weighted(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """An item drawn by cumulative weights (as ``random.choices`` takes them)."""
    return items[bisect(cum_weights, rng.random() * cum_weights[-1])]
