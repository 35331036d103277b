"""The conflict catalog loads every shipped case and explains a broken one precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.harness.catalog import load_case, load_catalog
from splitbrain.harness.paths import default_cases
from splitbrain.matrix import MatrixLoadError

_CASE = """\
id: CC-90
title: A small case
given:
  stage: in_care
writes:
  - {id: w1, system: ehr, role: provider, field: medication_plan, value: "plan 1",
     provenance: provider_verified}
expect:
  decisions:
    - {write: w1, decision: applied}
  winner: w1
"""


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_case_loads_with_a_unique_id() -> None:
    cases = load_catalog(default_cases())

    assert len(cases) >= 12
    assert len({c.id for c in cases}) == len(cases)


def test_the_catalog_covers_every_decision_kind() -> None:
    kinds = {d.decision for c in load_catalog(default_cases()) for d in c.expect.decisions}

    assert kinds == {"applied", "rejected", "escalated", "duplicate_delivery"}


def test_a_minimal_case_loads(tmp_path: Path) -> None:
    case = load_case(_write(tmp_path, _CASE))

    assert case.id == "CC-90"
    assert case.key_of(case.writes[0]) == "CC-90:w1"


def test_an_unknown_provenance_names_the_file_path_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _CASE.replace("provenance: provider_verified", "provenance: doctor"))

    with pytest.raises(MatrixLoadError) as raised:
        load_case(path)

    message = str(raised.value)
    assert str(path) in message
    assert "writes[0].provenance" in message
    assert f"{path}:7: writes[0].provenance: found 'doctor'" in message
    assert "1 problem" in message or "problems" not in message


def test_an_expectation_for_an_unknown_write_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _CASE.replace("{write: w1, decision: applied}", "{write: w9, decision: applied}")
    )

    with pytest.raises(MatrixLoadError, match="unknown write 'w9'"):
        load_case(path)


def test_a_reason_on_an_applied_decision_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _CASE.replace("decision: applied}", "decision: applied, reason: not_owner}")
    )

    with pytest.raises(MatrixLoadError, match="rejected decision only"):
        load_case(path)


def test_a_naive_time_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _CASE.replace('value: "plan 1",', 'value: "plan 1", at: "2026-01-05T09:00:00",')
    )

    with pytest.raises(MatrixLoadError, match="UTC offset"):
        load_case(path)


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, _CASE, "a.yaml")
    _write(tmp_path, _CASE, "b.yaml")

    with pytest.raises(ValueError, match="repeated: \\['CC-90'\\]"):
        load_catalog(tmp_path)


def test_a_case_without_writes_is_refused(tmp_path: Path) -> None:
    text = _CASE.split("writes:\n", maxsplit=1)[0] + "writes: []\nexpect:\n  decisions: []\n"

    with pytest.raises(MatrixLoadError, match="at least one write"):
        load_case(_write(tmp_path, text))
