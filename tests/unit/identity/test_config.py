from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.identity.config import default_config_path, load_matching_config
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.matrix.errors import MatrixSchemaError


def test_the_shipped_config_loads_and_builds_a_matcher() -> None:
    config = load_matching_config()

    parts = MatchingParts.from_config(config)

    assert config.thresholds.high > config.thresholds.medium > config.thresholds.low
    assert [c.name for c in parts.matcher.comparisons] == [c.name for c in config.comparisons]
    assert "+15555550100" in parts.matcher.gate.placeholders.values["phone"]
    assert "1900-01-01" in parts.matcher.gate.placeholders.values["date_of_birth"]
    assert parts.blocking.max_scored == config.blocking.max_scored == 32
    assert parts.blocking.max_lone_block == config.blocking.max_lone_block == 8


def test_levels_that_do_not_fit_the_comparison_kind_are_named_with_their_line(
    tmp_path: Path,
) -> None:
    text = default_config_path().read_text(encoding="utf-8")
    broken = text.replace("      day_month_swap: {m: 0.02,  u: 0.00002}\n", "")
    assert broken != text
    path = tmp_path / "matching.yaml"
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(MatrixSchemaError) as caught:
        load_matching_config(path)

    message = str(caught.value)
    line = broken.splitlines().index("  - name: date_of_birth") + 1
    assert f"matching.yaml:{line}" in message or f"matching.yaml:{line + 3}" in message
    assert "day_month_swap" in message


def test_a_guard_naming_no_comparison_is_refused(tmp_path: Path) -> None:
    text = default_config_path().read_text(encoding="utf-8")
    path = tmp_path / "matching.yaml"
    path.write_text(text.replace("differ: [given]", "differ: [nickname]"), encoding="utf-8")

    with pytest.raises(MatrixSchemaError) as caught:
        load_matching_config(path)

    assert "nickname" in str(caught.value)
