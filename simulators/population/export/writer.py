"""Writing a population to a directory in one format, streaming.

Files written in ``out_dir``:

- ``ground_truth.jsonl``: one person per line (see :mod:`simulators.population.ground_truth`);
- ``fhir``: ``<system>.Patient.ndjson`` for ehr, crm and portal (one Patient per line, FHIR Bulk
  Data style), ``ehr.Condition.ndjson`` and ``ehr.MedicationRequest.ndjson``;
- ``csv``: ``<system>.csv`` with the header of :mod:`.tabular`;
- ``hl7``: ``<system>.hl7``, an HL7 v2 batch file of ADT^A04 messages (:mod:`.hl7v2`);
- ``manifest.json``: the format, the files, record counts and the caller's metadata.

Nothing depends on the wall clock: message times count up from ``as_of`` 09:00.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from simulators.population.errors import PopulationConfigError
from simulators.population.export import fhir, hl7v2, tabular
from simulators.population.ground_truth import entry_to_json
from simulators.population.model import SYSTEMS, PersonEntry, SystemRecord

__all__ = ["FORMATS", "WriteSummary", "write_population"]

FORMATS: tuple[str, ...] = ("fhir", "csv", "hl7")
_PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class WriteSummary:
    out_dir: Path
    people: int
    records: dict[str, int]
    files: tuple[str, ...]


def _json_line(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


class _Sink:
    """The open files of one format, and how a record goes into them."""

    def __init__(self, fmt: str, out_dir: Path, stack: ExitStack, as_of: date) -> None:
        self.fmt, self.names = fmt, list[str]()
        self._files: dict[str, IO[str]] = {}
        self._csv: dict[str, Any] = {}
        self._start = datetime.combine(as_of, time(9, 0))
        self._messages = dict.fromkeys(SYSTEMS, 0)
        for name in self._file_names():
            self.names.append(name)
            self._files[name] = stack.enter_context(
                (out_dir / name).open("w", encoding="utf-8", newline="")
            )
        for system in SYSTEMS:
            if fmt == "csv":
                self._csv[system] = writer = csv.writer(self._files[f"{system}.csv"])
                writer.writerow(tabular.CSV_HEADER)
            elif fmt == "hl7":
                self._files[f"{system}.hl7"].write(hl7v2.batch_header(system, self._stamp(0)))

    def _file_names(self) -> list[str]:
        if self.fmt == "fhir":
            names = [f"{s}.Patient.ndjson" for s in SYSTEMS]
            return [*names, "ehr.Condition.ndjson", "ehr.MedicationRequest.ndjson"]
        return [f"{s}.{self.fmt}" for s in SYSTEMS]

    def _stamp(self, seconds: int) -> str:
        return (self._start + timedelta(seconds=seconds)).strftime("%Y%m%d%H%M%S")

    def write(self, r: SystemRecord) -> None:
        if self.fmt == "csv":
            self._csv[r.system].writerow(tabular.csv_row(r))
        elif self.fmt == "hl7":
            n = self._messages[r.system] = self._messages[r.system] + 1
            message = hl7v2.adt_a04(r, f"SYN{n:09d}", self._stamp(n))
            self._files[f"{r.system}.hl7"].write(message)
        else:
            self._files[f"{r.system}.Patient.ndjson"].write(_json_line(fhir.patient(r)))
            for kind, make in (
                ("Condition", fhir.condition),
                ("MedicationRequest", fhir.medication_request),
            ):
                resource = make(r)
                if resource is not None:
                    self._files[f"ehr.{kind}.ndjson"].write(_json_line(resource))

    def close(self) -> None:
        if self.fmt == "hl7":
            for system in SYSTEMS:
                self._files[f"{system}.hl7"].write(hl7v2.batch_trailer(self._messages[system]))


def write_population(
    entries: Iterable[PersonEntry],
    out_dir: Path,
    fmt: str,
    *,
    as_of: date = date(2025, 1, 1),
    metadata: Mapping[str, Any] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> WriteSummary:
    """Write the entries' records in ``fmt`` and the ground truth; return what was written.

    ``on_progress`` is called with the number of persons written so far, every 1,000 persons
    and once at the end.
    """
    if fmt not in FORMATS:
        raise PopulationConfigError(f"format {fmt!r} is unknown; use one of {FORMATS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts, people = dict.fromkeys(SYSTEMS, 0), 0
    with ExitStack() as stack:
        truth = stack.enter_context((out_dir / "ground_truth.jsonl").open("w", encoding="utf-8"))
        sink = _Sink(fmt, out_dir, stack, as_of)
        for entry in entries:
            truth.write(_json_line(entry_to_json(entry)))
            for record in entry.records:
                sink.write(record)
                counts[record.system] += 1
            people += 1
            if on_progress is not None and people % _PROGRESS_EVERY == 0:
                on_progress(people)
        sink.close()
    files = ("ground_truth.jsonl", *sink.names, "manifest.json")
    manifest = {
        **(metadata or {}),
        "format": fmt,
        "people": people,
        "records": counts,
        "files": list(files),
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    if on_progress is not None:
        on_progress(people)
    return WriteSummary(out_dir, people, counts, files)
