"""``splitbrain phi generate`` writes the ground truth and per-system files in each format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli import app

EXPECTED_FILES = {
    "fhir": {
        "ehr.Patient.ndjson",
        "crm.Patient.ndjson",
        "portal.Patient.ndjson",
        "ehr.Condition.ndjson",
        "ehr.MedicationRequest.ndjson",
    },
    "csv": {"ehr.csv", "crm.csv", "portal.csv"},
    "hl7": {"ehr.hl7", "crm.hl7", "portal.hl7"},
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED_FILES))
def test_phi_generate_writes_ground_truth_and_per_system_files(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "population"

    result = CliRunner().invoke(
        app,
        ["phi", "generate", "--people", "120", "--seed", "5", "--out", str(out), "--format", fmt],
    )

    assert result.exit_code == 0, result.output
    assert "120 persons" in result.output
    names = {p.name for p in out.iterdir()}
    assert names == EXPECTED_FILES[fmt] | {"ground_truth.jsonl", "manifest.json"}
    lines = (out / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 120
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["format"], manifest["corruption"]) == (5, fmt, "medium")


def test_phi_generate_takes_a_corruption_level(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "phi",
            "generate",
            "--people",
            "50",
            "--seed",
            "5",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
            "--corruption",
            "high",
        ],
    )

    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corruption"] == "high"


def test_phi_generate_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["phi", "generate", "--people", "5", "--out", str(tmp_path), "--format", "xml"]
    )

    assert result.exit_code == 2
    assert not any(tmp_path.iterdir())
