"""Bulk dedupe and link of CSV exports before go-live, through the ingest index and scorer.

``FieldMap.parse("id=patient_id,given_name=first,...")`` says which column holds which field.
:func:`dedupe` feeds every row to the identity index with ``match_and_insert``, one at a time,
exactly as ingest would; :func:`link` files every row of the first file, then matches each row
of the second against the first file's records only. Both return a :class:`BulkResult`: the
pairs scored at ``low`` or above (left id, right id, band, score), each row's person, the band
counts and sample explanations per band for the report.

Example::

    result = dedupe(read_rows(Path("export.csv")), FieldMap.parse("id=mrn,given_name=first"),
                    parts, progress=bar.advance)
    write_pairs(result, Path("out/pairs.csv"))
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from splitbrain.engine.adapters.identity.errors import MappingError
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.explain import Explanation
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = [
    "MAP_FIELDS",
    "BulkResult",
    "FieldMap",
    "Pair",
    "dedupe",
    "link",
    "read_rows",
    "write_clusters",
    "write_pairs",
]

MAP_FIELDS: dict[str, str] = {
    "id": "id",
    "given_name": "given",
    "family_name": "family",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "phone": "phone",
    "email": "email",
    "address_line": "address_line",
    "city": "city",
    "postcode": "postcode",
    "state": "state",
    "identifier": "identifier",
}
"""``--map`` field name -> IdentityRecord field (``id`` is the row's record id)."""

_SAMPLES_PER_BAND = 3


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Field -> CSV column."""

    columns: Mapping[str, str]

    @classmethod
    def parse(cls, text: str) -> FieldMap:
        columns: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, eq, column = item.partition("=")
            name, column = name.strip(), column.strip()
            if not eq or not column:
                raise MappingError(f"--map item {item!r} is not FIELD=COLUMN; write e.g. id=mrn")
            if name not in MAP_FIELDS:
                raise MappingError(
                    f"--map field {name!r} is unknown; use some of {list(MAP_FIELDS)}"
                )
            columns[name] = column
        if "id" not in columns:
            raise MappingError("--map needs id=COLUMN: every row needs its record id")
        return cls(columns)

    def check(self, header: Iterable[str], file: str) -> None:
        missing = sorted(set(self.columns.values()) - set(header))
        if missing:
            raise MappingError(f"{file}: no column {missing}; the header has {sorted(header)}")

    def record(self, row: Mapping[str, str], system: str, parts: MatchingParts) -> IdentityRecord:
        def raw(name: str) -> str | None:
            column = self.columns.get(name)
            value = row.get(column) if column is not None else None
            return value if value is not None and value.strip() else None

        record_id = raw("id")
        if record_id is None:
            raise MappingError(
                f"a row of {system} has no value in id column {self.columns['id']!r}"
            )
        values = {MAP_FIELDS[n]: raw(n) for n in self.columns if n != "id"}
        return parts.normalizer.record(system, record_id.strip(), **values)


def read_rows(path: Path, fields: FieldMap) -> list[dict[str, str]]:
    """Every row of a UTF-8 CSV file with a header (the mapped columns must exist)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields.check(reader.fieldnames or (), str(path))
        return list(reader)


@dataclass(frozen=True, slots=True)
class Pair:
    left_id: str
    right_id: str
    band: str
    score: float


@dataclass
class BulkResult:
    pairs: list[Pair] = field(default_factory=list)
    persons: dict[tuple[str, str], str] = field(default_factory=dict)
    decisions: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[tuple[str, Explanation]]] = field(default_factory=dict)


def _index(parts: MatchingParts) -> MemoryIdentityIndex:
    b = parts.config.blocking
    return MemoryIdentityIndex(
        parts.matcher, parts.blocking, b.max_block_size, b.max_exact_block_size
    )


def _score_into(
    result: BulkResult,
    index: BlockedIndex,
    record: IdentityRecord,
    keep: Callable[[IdentityRecord], bool],
) -> MatchDecision:
    matcher = index.matcher
    scored = [s for s in index.scored(record) if keep(s.record)]
    for s in scored:
        band = matcher.band(s.score, s.levels)
        if band == "none":
            continue
        result.pairs.append(Pair(record.source_record_id, s.record.source_record_id, band, s.score))
        samples = result.samples.setdefault(band, [])
        if len(samples) < _SAMPLES_PER_BAND:
            title = f"{record.key} vs {s.record.key}"
            samples.append((title, matcher.explain(record, s.record)))
    decision = matcher.decide(record, scored)
    result.decisions[decision.band] += 1
    return decision


def dedupe(
    rows: Iterable[Mapping[str, str]],
    fields: FieldMap,
    parts: MatchingParts,
    progress: Callable[[], None] = lambda: None,
    system: str = "file",
) -> BulkResult:
    """Every row through ``match_and_insert``; pairs among all rows."""
    index, result = _index(parts), BulkResult()
    ids = (f"person-{n:07d}" for n in itertools.count(1))
    for row in rows:
        record = fields.record(row, system, parts)
        decision = _score_into(result, index, record, lambda _: True)
        filed = index.file(decision, lambda: next(ids))
        assert filed.assigned_person_id is not None
        result.persons[record.key] = filed.assigned_person_id
        progress()
    return result


def link(
    left: Iterable[Mapping[str, str]],
    right: Iterable[Mapping[str, str]],
    fields: FieldMap,
    parts: MatchingParts,
    progress: Callable[[], None] = lambda: None,
) -> BulkResult:
    """Pairs between the two files only: ``right`` rows matched against ``left`` rows."""
    index, result = _index(parts), BulkResult()
    ids = (f"person-{n:07d}" for n in itertools.count(1))
    for row in left:
        record = fields.record(row, "a", parts)
        person = next(ids)
        index.insert(record, person)
        result.persons[record.key] = person
        progress()
    for row in right:
        record = fields.record(row, "b", parts)
        decision = _score_into(result, index, record, lambda r: r.source_system == "a")
        linked = decision.person_id if decision.band == "high" else None
        result.persons[record.key] = linked or next(ids)
        progress()
    return result


def write_pairs(result: BulkResult, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["left_id", "right_id", "band", "score"])
        for p in sorted(result.pairs, key=lambda p: (-p.score, p.left_id, p.right_id)):
            out.writerow([p.left_id, p.right_id, p.band, f"{p.score:.3f}"])


def write_clusters(result: BulkResult, path: Path, with_source: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "person_id", *(["source"] if with_source else [])])
        for (system, record_id), person in result.persons.items():
            out.writerow([record_id, person, *([system] if with_source else [])])
