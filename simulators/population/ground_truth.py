"""The ground truth: which person every system record belongs to, and what the person is.

``ground_truth.jsonl`` holds one JSON object per person, in generation order::

    {"gt_id": "gt_000001", "given": "José", "family": "García-López", ..., "stage": "in_care",
     "household_id": null, "twin_of": null, "shared_phone": false, "shared_address": false,
     "canary": "CANARY-538f02f1adaa", "clinical": {...} | null, "crm": {...} | null,
     "portal": {"consents": ["TREAT:sms", ...], ...} | null,
     "records": [{"system": "ehr", "record_id": "ehr-3fa29c01b2", "duplicate": false,
                  "divergences": ["nickname", "phone_format"]}, ...]}

:class:`GroundTruth` indexes it (from entries or from the file) to answer the checker's
questions: whose is this record, which records are one person's, who shares a household.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from simulators.population.errors import GroundTruthError
from simulators.population.model import Address, PersonEntry

__all__ = ["GroundTruth", "RecordRef", "entry_to_json", "iter_ground_truth"]


class RecordRef(NamedTuple):
    system: str
    record_id: str
    duplicate: bool
    divergences: tuple[str, ...]


def _address(address: Address | None) -> dict[str, str] | None:
    return None if address is None else address._asdict()


def entry_to_json(entry: PersonEntry) -> dict[str, Any]:
    """The ground-truth object of one person (see the module docstring)."""
    p = entry.person
    return {
        "gt_id": p.gt_id,
        "given": p.given,
        "family": p.family,
        "given_latin": p.given_latin,
        "family_latin": p.family_latin,
        "preferred_name": p.preferred_name,
        "former_family": p.former_family,
        "former_family_latin": p.former_family_latin,
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex,
        "phone": p.phone,
        "email": p.email,
        "address": _address(p.address),
        "previous_address": _address(p.previous_address),
        "language": p.language,
        "ssn": p.ssn,
        "stage": p.stage,
        "household_id": p.household_id,
        "twin_of": p.twin_of,
        "shared_phone": p.shared_phone,
        "shared_address": p.shared_address,
        "canary": p.canary,
        "clinical": None if p.clinical is None else p.clinical._asdict(),
        "crm": None if p.crm is None else p.crm._asdict(),
        "portal": None
        if p.portal is None
        else {**p.portal._asdict(), "consents": p.portal.consents.as_codes()},
        "records": [
            {
                "system": r.system,
                "record_id": r.record_id,
                "duplicate": r.duplicate,
                "divergences": list(r.divergences),
            }
            for r in entry.records
        ],
    }


def iter_ground_truth(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the person objects of a ``ground_truth.jsonl``."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GroundTruthError(
                    f"{path.name} line {number} is not JSON; regenerate the population"
                ) from exc
            if not isinstance(obj, dict) or "gt_id" not in obj or "records" not in obj:
                raise GroundTruthError(
                    f"{path.name} line {number} lacks 'gt_id' or 'records'; "
                    "it is not a ground-truth line"
                )
            yield obj


class GroundTruth:
    """Index of record id -> person, person -> records, and households and twins."""

    __slots__ = ("_households", "_owner", "_records", "_twins")

    def __init__(self) -> None:
        self._owner: dict[tuple[str, str], str] = {}
        self._records: dict[str, tuple[RecordRef, ...]] = {}
        self._households: dict[str, str] = {}
        self._twins: dict[str, str] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[PersonEntry]) -> GroundTruth:
        truth = cls()
        for e in entries:
            refs = tuple(
                RecordRef(r.system, r.record_id, r.duplicate, r.divergences) for r in e.records
            )
            truth._add(e.person.gt_id, refs, e.person.household_id, e.person.twin_of)
        return truth

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        truth = cls()
        for obj in iter_ground_truth(path):
            refs = tuple(
                RecordRef(r["system"], r["record_id"], r["duplicate"], tuple(r["divergences"]))
                for r in obj["records"]
            )
            truth._add(obj["gt_id"], refs, obj.get("household_id"), obj.get("twin_of"))
        return truth

    def _add(self, gt: str, refs: tuple[RecordRef, ...], hh: str | None, twin: str | None) -> None:
        self._records[gt] = refs
        for ref in refs:
            self._owner[(ref.system, ref.record_id)] = gt
        if hh is not None:
            self._households[gt] = hh
        if twin is not None:
            self._twins[gt] = twin

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, gt_id: object) -> bool:
        return gt_id in self._records

    def person_of(self, system: str, record_id: str) -> str:
        """The ground-truth id of a system record."""
        try:
            return self._owner[(system, record_id)]
        except KeyError:
            raise GroundTruthError(
                f"record {record_id!r} of system {system!r} is not in the ground truth; "
                "it was created after generation or belongs to another population"
            ) from None

    def records_of(self, gt_id: str, system: str | None = None) -> tuple[RecordRef, ...]:
        refs = self._records.get(gt_id)
        if refs is None:
            raise GroundTruthError(f"person {gt_id!r} is not in the ground truth")
        return refs if system is None else tuple(r for r in refs if r.system == system)

    def household_of(self, gt_id: str) -> str | None:
        return self._households.get(gt_id)

    def twin_of(self, gt_id: str) -> str | None:
        return self._twins.get(gt_id)

    def gt_ids(self) -> Iterator[str]:
        return iter(self._records)
