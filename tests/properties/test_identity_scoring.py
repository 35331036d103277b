"""Scoring is symmetric: the score, levels and band of (a, b) are those of (b, a)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.nicknames import NicknameTable
from splitbrain.engine.adapters.identity.similarity import jaro_winkler
from splitbrain.engine.adapters.identity.similarity import one_edit as fast_one_edit
from splitbrain.engine.domain.identity.comparisons import one_edit
from splitbrain.engine.domain.identity.record import IdentityRecord
from tests.properties.identity_strategies import GIVEN, records

PARTS = MatchingParts.from_config()
TABLE = NicknameTable.default()
NAMES = st.sampled_from(GIVEN) | st.text(alphabet="abcdeilnorsy ", min_size=1, max_size=9)


@given(records("ehr"), records("crm"))
def test_scoring_is_symmetric(left: IdentityRecord, right: IdentityRecord) -> None:
    matcher = PARTS.matcher

    forward, backward = matcher.explain(left, right), matcher.explain(right, left)

    assert matcher.levels(left, right) == matcher.levels(right, left)
    assert forward.total == pytest.approx(backward.total)
    assert forward.band == backward.band


@given(NAMES, NAMES)
def test_jaro_winkler_and_the_nickname_table_are_symmetric(a: str, b: str) -> None:
    assert jaro_winkler(a, b) == pytest.approx(jaro_winkler(b, a))
    assert TABLE.related(a, b) == TABLE.related(b, a)


SHORT = st.text(alphabet="ab1-", max_size=7)


@st.composite
def _edited(draw: st.DrawFn) -> tuple[str, str]:
    """A string and another one, most often one or two edits of it."""
    text = draw(SHORT)
    other = text
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(other)))
        how = draw(st.sampled_from(["sub", "ins", "del", "swap"]))
        c = draw(st.sampled_from("ab1-"))
        if how == "ins" or not other:
            other = other[:i] + c + other[i:]
        elif how == "del":
            other = other[: min(i, len(other) - 1)] + other[min(i, len(other) - 1) + 1 :]
        elif how == "sub":
            j = min(i, len(other) - 1)
            other = other[:j] + c + other[j + 1 :]
        elif len(other) >= 2:
            j = min(i, len(other) - 2)
            other = other[:j] + other[j + 1] + other[j] + other[j + 2 :]
    return text, other


@given(_edited() | st.tuples(SHORT, SHORT))
def test_the_injected_one_edit_test_answers_as_the_pure_python_one(pair: tuple[str, str]) -> None:
    left, right = pair

    assert fast_one_edit(left, right) is one_edit(left, right)


@given(records("ehr"))
def test_a_record_never_disagrees_with_a_copy_of_itself(record: IdentityRecord) -> None:
    copy = IdentityRecord("crm", "copy", *(record.value(f) for f in _fields()))

    levels = PARTS.matcher.levels(record, copy)

    comparisons = PARTS.matcher.comparisons
    assert all(lv != len(c.labels) - 1 for c, lv in zip(comparisons, levels, strict=True))
    single = [lv for c, lv in zip(comparisons, levels, strict=True) if c.name != "address"]
    assert all(lv in (0, -1) for lv in single)


def _fields() -> tuple[str, ...]:
    from splitbrain.engine.domain.identity.record import IDENTITY_FIELDS

    return IDENTITY_FIELDS
