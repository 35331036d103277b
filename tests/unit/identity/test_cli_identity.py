from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.engine.adapters.identity.config import load_matching_config

HEADER = ["rid", "first", "last", "dob", "tel", "mail"]
ROWS = [
    ["r1", "Robert", "Okafor", "1984-07-09", "(212) 555-0142", "rob.okafor@example.org"],
    ["r2", "Bob", "Okafor", "07/09/1984", "212.555.0142", "rob.okafor@example.org"],
    ["r3", "Li", "Wang", "1950-01-02", "(312) 555-0188", "li.wang@example.net"],
    ["r4", "Ana", "Silva", "1990-03-04", "(415) 555-0111", "ana.silva@example.com"],
    ["r5", "Ana", "Silva", "1990-04-03", "", "ana.silva@example.com"],
]
MAP = "id=rid,given_name=first,family_name=last,date_of_birth=dob,phone=tel,email=mail"


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dedupe_writes_pairs_clusters_and_a_report(tmp_path: Path) -> None:
    source = _csv(tmp_path / "patients.csv", ROWS)

    result = CliRunner().invoke(
        app, ["identity", "dedupe", str(source), "--map", MAP, "--out", str(tmp_path / "out")]
    )

    assert result.exit_code == 0, result.output
    pairs = _read(tmp_path / "out" / "pairs.csv")
    assert {(p["left_id"], p["right_id"], p["band"]) for p in pairs} >= {
        ("r2", "r1", "high"),
        ("r5", "r4", "high"),
    }
    clusters = {row["id"]: row["person_id"] for row in _read(tmp_path / "out" / "clusters.csv")}
    assert clusters["r1"] == clusters["r2"] and clusters["r4"] == clusters["r5"]
    assert len(set(clusters.values())) == 3
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report and "Band high" in report
    for value in ("okafor", "example.org", "212555", "robert"):  # ids and levels, no PHI
        assert value not in report.lower()
    assert "5 records -> 3 persons" in result.output


def test_link_pairs_only_across_the_two_files(tmp_path: Path) -> None:
    left = _csv(tmp_path / "ehr.csv", [ROWS[0], ROWS[2]])
    right = _csv(tmp_path / "crm.csv", [["c1", *ROWS[1][1:]], ["c2", *ROWS[3][1:]]])

    result = CliRunner().invoke(
        app, ["identity", "link", str(left), str(right), "--map", MAP, "--out", str(tmp_path / "o")]
    )

    assert result.exit_code == 0, result.output
    pairs = _read(tmp_path / "o" / "pairs.csv")
    assert [(p["left_id"], p["right_id"], p["band"]) for p in pairs] == [("c1", "r1", "high")]
    clusters = {
        (r["source"], r["id"]): r["person_id"] for r in _read(tmp_path / "o" / "clusters.csv")
    }
    assert clusters[("b", "c1")] == clusters[("a", "r1")]
    assert clusters[("b", "c2")] not in {clusters[("a", "r1")], clusters[("a", "r3")]}


def test_estimate_writes_a_config_that_loads(tmp_path: Path) -> None:
    source = _csv(tmp_path / "patients.csv", ROWS * 3)
    rows = [[f"{r[0]}-{i}", *r[1:]] for i, r in enumerate(ROWS * 3)]
    _csv(source, rows)
    out = tmp_path / "fitted.yaml"

    result = CliRunner().invoke(
        app, ["identity", "estimate", str(source), "--map", MAP, "--out", str(out),
              "--random-pairs", "500"]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    fitted = load_matching_config(out)
    assert 0 < fitted.prior < 1
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["thresholds"]["high"] == 16.0


@pytest.mark.parametrize(
    ("mapping", "needle"),
    [("given_name=first", "id=COLUMN"), ("id=rid,nickname=first", "nickname"),
     ("id=rid,given_name=missing_column", "missing_column")],
)  # fmt: skip
def test_a_bad_map_exits_2_and_says_what_to_fix(tmp_path: Path, mapping: str, needle: str) -> None:
    source = _csv(tmp_path / "patients.csv", ROWS)

    result = CliRunner().invoke(
        app, ["identity", "dedupe", str(source), "--map", mapping, "--out", str(tmp_path / "o")]
    )

    assert result.exit_code == 2
    assert needle in result.output
