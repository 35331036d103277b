"""The generator's ground truth as the checker needs it: whose record is this, what is restricted.

Built from the population's ``ground_truth.jsonl`` (``--truth``), from the person objects a
world was seeded with (``World.seed_population`` puts them at ``/_admin/ground-truth``), or
from a :class:`simulators.population.GroundTruth` (records only)::

    truth = Truth.load(Path("out/pop/ground_truth.jsonl"))
    truth.person_of("crm", "crm-7757ba8cbd")     # "gt_000001"
    truth.add_record("gt_000001", "portal", "acc-000042")   # a record an actor created

Restricted values are known by value id only (``value_id`` of the history recorder): each
person's diagnosis note and medication plan, and the canary token, attributed to the matrix
field they belong to. The recorder hashes each top-level field whole, so a value nested in a
map or a list (the CRM's ``custom`` map) has no id of its own: ``nested`` holds the ids of the
containers a payload wraps one value in (``{key: value}`` for the keys in ``NESTED_KEYS``, the
JSON merge patch a client sends for one ``custom`` key; ``[value]``), each with the path to
the value inside. A map holding other keys besides is not seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any

from simulators._shared.history import value_id
from simulators.population import GroundTruth, GroundTruthError, iter_ground_truth
from splitbrain.harness.checker.errors import TruthError

__all__ = ["NESTED_KEYS", "RESTRICTED_SOURCES", "Restricted", "Truth"]

RESTRICTED_SOURCES: tuple[tuple[str, str], ...] = (
    ("diagnosis_note", "diagnosis"),
    ("medication_plan", "medication_plan"),
)
"""(ground-truth clinical key, matrix field) of the values whose every copy is traced."""
_CANARY_FIELD = "diagnosis"
NESTED_KEYS: tuple[str, ...] = ("medication_plan", "diagnosis", "note", "text")
"""Keys under which a restricted value is traced inside a map: the restricted matrix fields
(the CRM keeps ``medication_plan`` in ``custom``) and two free-text keys. Each key costs one
more traced id per restricted value (the truth's memory grows with it): keep the list short."""


@dataclass(frozen=True, slots=True)
class Restricted:
    """A restricted value's owner and the matrix field whose class governs it."""

    person: str
    field: str


class Truth:
    """Record -> person, person -> stage and relations, and the restricted value ids."""

    def __init__(self) -> None:
        self._owner: dict[tuple[str, str], str] = {}
        self._stage: dict[str, str] = {}
        self._household: dict[str, str] = {}
        self._twin: dict[str, str] = {}
        self.restricted: dict[str, Restricted] = {}
        self.nested: dict[str, tuple[Restricted, str]] = {}
        """``{value id of a container: (restricted value, path inside)}`` (``NESTED_KEYS``)."""
        self.id_refs: dict[str, str] = {}
        """``{value id of a record id: person}``: how a reference field names its person."""

    @classmethod
    def load(cls, path: str | Path) -> Truth:
        """``ground_truth.jsonl``, or a ``.json`` document ``{"people": [...]}``."""
        where = Path(path)
        try:
            if where.suffix == ".json":
                document = json.loads(where.read_text(encoding="utf-8"))
                return cls.from_objects(document)
            return cls.from_objects(iter_ground_truth(where))
        except GroundTruthError as exc:
            raise TruthError(str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise TruthError(
                f"ground truth {where.name} cannot be read ({type(exc).__name__}); pass the "
                "ground_truth.jsonl the population was written with"
            ) from exc

    @classmethod
    def from_objects(cls, people: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> Truth:
        """Person objects (``entry_to_json``), or the admin document holding them."""
        if isinstance(people, Mapping):
            people = people.get("people") or ()
        truth = cls()
        for number, person in enumerate(people, start=1):
            truth._add_person(person, number)
        return truth

    @classmethod
    def from_ground_truth(cls, ground_truth: GroundTruth) -> Truth:
        """Records only: no stages, no restricted values."""
        truth = cls()
        for gt in ground_truth.gt_ids():
            for ref in ground_truth.records_of(gt):
                truth.add_record(gt, ref.system, ref.record_id)
        return truth

    def add_record(self, person: str, system: str, record_id: str) -> None:
        """Say that ``system``'s record ``record_id`` is ``person``'s (e.g. an actor made it)."""
        self._owner[(system, record_id)] = person
        self.id_refs[value_id(record_id)] = person

    def add_restricted(self, value: object, person: str, field: str) -> None:
        """Trace every copy of ``value`` (a restricted value of ``person``'s ``field``)."""
        restricted = self.restricted[value_id(value)] = Restricted(person, field)
        for container, path in _containers(value):
            self.nested[container] = (restricted, path)

    def person_of(self, system: str, record_id: str) -> str | None:
        return self._owner.get((system, record_id))

    def stage_of(self, person: str) -> str | None:
        return self._stage.get(person)

    def relation(self, first: str, second: str) -> str | None:
        """How two persons are easy to confuse: ``twins``, ``same household``, or None."""
        if self._twin.get(first) == second or self._twin.get(second) == first:
            return "twins"
        household = self._household.get(first)
        if household is not None and household == self._household.get(second):
            return "same household"
        return None

    def records(self) -> Iterable[tuple[str, str, str]]:
        """(system, record id, person) of every known record."""
        return ((system, rid, person) for (system, rid), person in self._owner.items())

    def __len__(self) -> int:
        return len(set(self._owner.values()))

    def _add_person(self, person: Mapping[str, Any], number: int) -> None:
        gt = person.get("gt_id")
        records = person.get("records")
        if not isinstance(gt, str) or not isinstance(records, list):
            raise TruthError(
                f"ground-truth person #{number} lacks 'gt_id' or 'records'; pass the "
                "population's ground truth"
            )
        for ref in records:
            self.add_record(gt, str(ref["system"]), str(ref["record_id"]))
        if isinstance(person.get("stage"), str):
            self._stage[gt] = person["stage"]
        if person.get("household_id") is not None:
            self._household[gt] = str(person["household_id"])
        if person.get("twin_of") is not None:
            self._twin[gt] = str(person["twin_of"])
        self._add_clinical(gt, person)

    def _add_clinical(self, gt: str, person: Mapping[str, Any]) -> None:
        clinical = person.get("clinical")
        if not isinstance(clinical, Mapping):
            return
        for key, field in RESTRICTED_SOURCES:
            if clinical.get(key) is not None:
                self.add_restricted(clinical[key], gt, field)
        if person.get("canary"):
            self.add_restricted(person["canary"], gt, _CANARY_FIELD)


def _containers(value: object) -> list[tuple[str, str]]:
    """``(value id, path)`` of ``{key: value}`` per ``NESTED_KEYS`` and of ``[value]``.

    The same ids ``value_id`` gives those containers, built from the value's canonical JSON
    once (a single-key map and a one-item list serialize as the value's JSON wrapped).
    """
    inner = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                       default=str)  # fmt: skip
    wrapped = [(f'{{"{key}":{inner}}}', f".{key}") for key in NESTED_KEYS]
    wrapped.append((f"[{inner}]", "[0]"))
    return [("v:" + blake2b(text.encode(), digest_size=10).hexdigest(), path)
            for text, path in wrapped]  # fmt: skip
