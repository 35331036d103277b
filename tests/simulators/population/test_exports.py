"""FHIR resources validate against R4B, HL7 v2 messages parse, CSV and ground truth line up."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import hl7
import pytest
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.patient import Patient

from simulators.population import (
    GroundTruth,
    PersonEntry,
    PopulationConfigError,
    SystemRecord,
    find_canaries,
    write_population,
)
from simulators.population.export.hl7v2 import adt_a04
from simulators.population.export.tabular import CSV_HEADER


def _written(tmp: Path, entries: list[PersonEntry], fmt: str) -> Path:
    write_population(entries, tmp, fmt)
    return tmp


def _ndjson(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _record(entries: list[PersonEntry], system: str) -> SystemRecord:
    return next(r for e in entries for r in e.records if r.system == system)


def test_every_exported_patient_validates_against_fhir_r4b(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "fhir")

    patients = [p for s in ("ehr", "crm", "portal") for p in _ndjson(out / f"{s}.Patient.ndjson")]

    assert len(patients) == sum(len(e.records) for e in small_population)
    for resource in patients:
        Patient.model_validate(resource)


def test_clinical_resources_validate_and_carry_the_canaries(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "fhir")

    conditions = _ndjson(out / "ehr.Condition.ndjson")
    requests = _ndjson(out / "ehr.MedicationRequest.ndjson")

    assert conditions and len(conditions) == len(requests)
    for resource in conditions:
        notes = Condition.model_validate(resource).note or []
        assert find_canaries(str(notes[0].text))
    for resource in requests:
        dosage = MedicationRequest.model_validate(resource).dosageInstruction or []
        assert find_canaries(str(dosage[0].text))


def test_hl7_files_parse_as_batches_of_adt_a04_messages(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "hl7")
    ehr = [r for e in small_population for r in e.records if r.system == "ehr"]

    raw = (out / "ehr.hl7").read_bytes()
    batch = hl7.parse_file(raw)[0]

    assert b"\n" not in raw
    assert len(batch) == len(ehr) == int(str(batch.trailer[1]))
    for message, record in zip(batch, ehr, strict=True):
        assert str(message.segment("MSH")[9]) == "ADT^A04^ADT_A01"
        assert str(message.segment("MSH")[12]) == "2.5.1"
        assert message.unescape(str(message.segment("PID")[5][0][0][0])) == record.family
        assert [str(s[0]) for s in message] == ["MSH", "EVN", "PID", "PV1"]


def test_hl7_escapes_delimiters_so_values_survive_a_parse(
    small_population: list[PersonEntry],
) -> None:
    record = replace(
        _record(small_population, "ehr"),
        family="O'Brien|Smith^Jr & Sons~II\\",
        given="Zoë-Renée",
    )

    message = hl7.parse(adt_a04(record, "SYN000000001", "20250101090000"))
    name = message.segment("PID")[5][0]

    assert message.unescape(str(name[0])) == "O'Brien|Smith^Jr & Sons~II\\"
    assert message.unescape(str(name[1])) == "Zoë-Renée"
    assert len(message.segment("PID")) == 20


def test_csv_files_have_the_documented_header_and_one_row_per_record(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "csv")

    for system in ("ehr", "crm", "portal"):
        with (out / f"{system}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        expected = [r for e in small_population for r in e.records if r.system == system]
        assert tuple(rows[0]) == CSV_HEADER
        assert [row[0] for row in rows[1:]] == [r.record_id for r in expected]


def test_per_system_files_never_carry_ground_truth_ids(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    for fmt in ("fhir", "csv", "hl7"):
        out = _written(tmp_path / fmt, small_population, fmt)
        for path in out.iterdir():
            if path.name not in ("ground_truth.jsonl", "manifest.json"):
                assert "gt_0" not in path.read_text(encoding="utf-8"), path.name


def test_the_written_ground_truth_loads_to_the_same_index(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "csv")

    loaded = GroundTruth.load(out / "ground_truth.jsonl")
    built = GroundTruth.from_entries(small_population)

    assert len(loaded) == len(built) == len(small_population)
    for e in small_population:
        assert loaded.records_of(e.person.gt_id) == built.records_of(e.person.gt_id)
        assert loaded.household_of(e.person.gt_id) == e.person.household_id


def test_the_manifest_counts_each_systems_records(
    tmp_path: Path, small_population: list[PersonEntry]
) -> None:
    out = _written(tmp_path, small_population, "fhir")

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["people"] == len(small_population)
    assert sum(manifest["records"].values()) == sum(len(e.records) for e in small_population)
    assert set(manifest["files"]) == {p.name for p in out.iterdir()}


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PopulationConfigError, match="format 'xml'"):
        write_population([], tmp_path, "xml")
