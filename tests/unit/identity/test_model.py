from __future__ import annotations

import math

import pytest

from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level


def _family(**tf: float) -> ComparisonModel:
    return ComparisonModel("family", (Level("exact", 0.8, 0.003), Level("else", 0.2, 0.997)), tf=tf)


def test_a_level_weighs_log2_of_m_over_u() -> None:
    assert Level("exact", 0.8, 0.002).weight == pytest.approx(math.log2(400))
    assert Level("else", 0.05, 0.95).weight < 0


def test_agreeing_on_a_common_name_says_less_than_on_a_rare_one() -> None:
    model = _family(smith=0.0083, okafor=0.00001)

    common, rare = model.tf_weight("smith"), model.tf_weight("okafor")

    assert common is not None and rare is not None
    assert common < rare
    assert common == pytest.approx(math.log2(0.8 / 0.0083))


def test_an_unlisted_value_is_not_adjusted_unless_tf_other_is_set() -> None:
    assert _family(smith=0.0083).tf_weight("okafor") is None
    other = ComparisonModel(
        "family", (Level("exact", 0.8, 0.003), Level("else", 0.2, 0.997)), tf_other=0.0001
    )
    assert other.tf_weight("okafor") == pytest.approx(math.log2(0.8 / 0.0001))


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_probabilities_outside_the_open_unit_interval_are_refused(bad: float) -> None:
    with pytest.raises(ModelInvalid) as caught:
        Level("exact", bad, 0.5)

    assert "exact" in str(caught.value)


def test_the_prior_weight_is_its_log2_odds() -> None:
    model = FellegiSunter(0.2, (_family(),))

    assert model.prior_weight == pytest.approx(math.log2(0.25))
    assert model.comparison("family").labels == ("exact", "else")


def test_two_comparisons_with_one_name_are_refused() -> None:
    with pytest.raises(ModelInvalid):
        FellegiSunter(0.2, (_family(), _family()))
