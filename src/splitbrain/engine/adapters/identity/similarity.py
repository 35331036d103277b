"""String measures via rapidfuzz that the domain injects: Jaro-Winkler similarity (its
:class:`SimilarityFunction`) and the one-edit test (its :class:`EditCheck`), in C.

>>> round(jaro_winkler("martha", "marhta"), 3)
0.961
>>> one_edit("1984-07-09", "1984-09-07"), one_edit("5550142", "5550124"), one_edit("ab", "ba")
(False, True, True)
"""

from __future__ import annotations

from rapidfuzz.distance import OSA, JaroWinkler

__all__ = ["jaro_winkler", "one_edit"]

_similarity = JaroWinkler.similarity
_osa = OSA.distance


def jaro_winkler(left: str, right: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (prefix weight 0.1), symmetric."""
    score: float = _similarity(left, right)
    return score


def one_edit(left: str, right: str) -> bool:
    """Exactly one edit apart (substitution, insertion, deletion or adjacent swap): the optimal
    string alignment distance is 1, which for distance 1 is the Damerau-Levenshtein one, so
    the answer is ``comparisons.one_edit``'s."""
    return left != right and _osa(left, right, score_cutoff=1) == 1
