"""Jaro-Winkler similarity via rapidfuzz: the :class:`SimilarityFunction` the domain injects.

>>> round(jaro_winkler("martha", "marhta"), 3)
0.961
"""

from __future__ import annotations

from rapidfuzz.distance import JaroWinkler

__all__ = ["jaro_winkler"]

_similarity = JaroWinkler.similarity


def jaro_winkler(left: str, right: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (prefix weight 0.1), symmetric."""
    score: float = _similarity(left, right)
    return score
