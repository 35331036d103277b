"""The PHI canary scan: everything a run wrote, searched for canaries and restricted values.

``scan(paths, index)`` walks files and directories (CRM payloads and histories as JSONL, logs,
error output, audit exports and checkpoints, reports, SQLite databases cell by cell) and reports
each canary token and each ground-truth value it finds (``leak_index``): where, whose, which
field and class, and whether that class is forbidden in that place. Findings never carry the
value itself; a canary token, a synthetic marker, is shown.

Where a thing may appear (``Place``, from the file or table name):

=========================================  ===================================================
place                                      allowed
=========================================  ===================================================
ehr, engine store, vault                   everything (they hold the chart and the identity)
ground truth, manifest                     not scanned (the truth itself)
crm, portal                                operational and limited_clinical values; never a
                                           canary, a phi_restricted or highly_restricted value
audit, idempotency keys, logs, histories,  nothing: ids, tokens, codes and fingerprints only
reports, anything else
=========================================  ===================================================

Example::

    index = LeakIndex.from_ground_truth(Path("out/pop/ground_truth.jsonl"))
    result = scan([Path("out/run")], index)
    for finding in result.forbidden:
        print(finding)      # crm out/run/crm.payloads.jsonl:12: canary CANARY-538f... (gt_000001)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from splitbrain.harness.leak_index import CANARY, Hit, LeakIndex
from splitbrain.matrix.vocabulary import DisclosureClass

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SIDE_FILES = ("-wal", "-shm", "-journal")


class Place(StrEnum):
    EHR = "ehr"
    ENGINE = "engine"
    VAULT = "vault"
    TRUTH = "truth"
    CRM = "crm"
    PORTAL = "portal"
    AUDIT = "audit"
    IDEMPOTENCY = "idempotency"
    LOG = "log"
    HISTORY = "history"
    REPORT = "report"
    OTHER = "other"


_HOLDERS = frozenset({Place.EHR, Place.ENGINE, Place.VAULT, Place.TRUTH})
_SYSTEMS = frozenset({Place.CRM, Place.PORTAL})
_SYSTEM_CLASSES = frozenset({DisclosureClass.OPERATIONAL, DisclosureClass.LIMITED_CLINICAL})
_BY_NAME: tuple[tuple[tuple[str, ...], Place], ...] = (
    (("ground_truth", "manifest.json"), Place.TRUTH),
    (("audit", "checkpoints"), Place.AUDIT),
    (("idempot",), Place.IDEMPOTENCY),
    (("history",), Place.HISTORY),
    ((".log", "stderr", "stdout", "error"), Place.LOG),
    (("vault",), Place.VAULT),
    (("crm",), Place.CRM),
    (("portal",), Place.PORTAL),
    (("ehr",), Place.EHR),
    (("engine",), Place.ENGINE),
    ((".html", ".xml", ".md", ".txt", "report"), Place.REPORT),
)
_BY_TABLE = {
    "audit_log": Place.AUDIT,
    "idempotency_keys": Place.IDEMPOTENCY,
    "vault_tokens": Place.VAULT,
}


def allowed(place: Place, hit: Hit) -> bool:
    """May ``hit`` appear in ``place``?"""
    if place in _HOLDERS:
        return True
    if place in _SYSTEMS:
        return hit.field != CANARY and hit.disclosure in _SYSTEM_CLASSES
    return hit.disclosure is DisclosureClass.OPERATIONAL


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensitive item at one place. ``str()`` names it without its value."""

    place: Place
    where: str
    hit: Hit

    @property
    def forbidden(self) -> bool:
        return not allowed(self.place, self.hit)

    def __str__(self) -> str:
        what = f"canary {self.hit.canary}" if self.hit.field == CANARY else self.hit.field
        whose = f" of {self.hit.gt_id}" if self.hit.gt_id else ""
        verdict = "FORBIDDEN" if self.forbidden else "allowed"
        return (
            f"{verdict} {self.place.value} {self.where}: {what}{whose} "
            f"({self.hit.disclosure.value})"
        )


@dataclass(slots=True)
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    units: int = 0

    @property
    def forbidden(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.forbidden]

    def summary(self) -> str:
        allowed_count = len(self.findings) - len(self.forbidden)
        return (
            f"scanned {self.files} files ({self.units} units): {len(self.forbidden)} forbidden, "
            f"{allowed_count} allowed"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "files": self.files,
            "units": self.units,
            "findings": [
                {
                    "place": f.place.value,
                    "where": f.where,
                    "field": f.hit.field,
                    "class": f.hit.disclosure.value,
                    "gt_id": f.hit.gt_id,
                    "canary": f.hit.canary,
                    "forbidden": f.forbidden,
                }
                for f in self.findings
            ],
            "summary": {"forbidden": len(self.forbidden), "total": len(self.findings)},
        }


def scan(paths: Iterable[Path], index: LeakIndex) -> ScanResult:
    """Scan every file under ``paths`` (recursively); see the module docstring."""
    result = ScanResult()
    for file in _files(paths):
        result.files += 1
        for place, where, unit in _units(file):
            result.units += 1
            result.findings.extend(Finding(place, where, hit) for hit in index.find(unit))
    return result


def place_of(name: str) -> Place:
    """The place a file's name says it belongs to (``crm.payloads.jsonl`` -> crm)."""
    low = name.lower()
    for markers, place in _BY_NAME:
        if any(marker in low for marker in markers):
            return place
    return Place.OTHER


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (f for f in sorted(path.rglob("*")) if f.is_file() and not _side(f))
        elif not _side(path):
            yield path


def _side(path: Path) -> bool:
    """SQLite's WAL, shared-memory and journal files: read through their database."""
    return path.name.endswith(_SIDE_FILES)


def _units(file: Path) -> Iterator[tuple[Place, str, str]]:
    with file.open("rb") as head:
        is_sqlite = head.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    if is_sqlite:
        yield from _sqlite_units(file)
        return
    place = place_of(file.name)
    if place is Place.TRUTH:
        return  # the ground truth itself: the values are what it is made of
    with file.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            yield place, f"{file}:{number}", line


def _sqlite_units(file: Path) -> Iterator[tuple[Place, str, str]]:
    default = place_of(file.name)
    if default in {Place.REPORT, Place.OTHER}:
        default = Place.ENGINE
    conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            place = _BY_TABLE.get(table, default)
            yield from _table_units(conn, file, table, place)
    finally:
        conn.close()


def _table_units(
    conn: sqlite3.Connection, file: Path, table: str, place: Place
) -> Iterator[tuple[Place, str, str]]:
    quoted = '"' + table.replace('"', '""') + '"'
    cursor = conn.execute(f"SELECT * FROM {quoted}")  # a table name read from the schema
    columns = [d[0] for d in cursor.description]
    for number, row in enumerate(cursor, start=1):
        for column, cell in zip(columns, row, strict=True):
            text = _text(cell)
            if text:
                yield place, f"{file}:{table}.{column}#{number}", text


def _text(cell: object) -> str | None:
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bytes):
        return cell.decode("utf-8", errors="replace")
    return None
