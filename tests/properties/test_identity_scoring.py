"""Scoring is symmetric: the score, levels and band of (a, b) are those of (b, a)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.nicknames import NicknameTable
from splitbrain.engine.adapters.identity.similarity import jaro_winkler
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
