"""The world as the histories show it, kept per record while the checker streams.

For every record (``system`` + ``Kind/id``) it keeps the current value id of each field, the
values an unknown-outcome write may have set, whether the record is live, and whose it is.
Across records it keeps:

- **attribution**: a record belongs to a ground-truth person when the truth names it, when it
  points at a person record (``Preferences.account_id``), or, for a record created during the
  run, when at least two of its identity values (names, birth date, contact points) trace to
  exactly one person's records and to no other person as often. A record's identity values
  add up over its operations (an engine sends one field per request): the values it holds now
  count, not only those of one operation. A link value (``patient_ref`` token, FHIR
  ``identifier``) that an attributed record carries names that person on its own; a link value
  carried by two persons' records names nobody;
- **lineage**: every value an actor or the setup wrote to a bound, comparable field, with the
  record, field and version it was written at. Actors write unique values (DESIGN §8), so a
  value the SUT later writes elsewhere traces back to one origin write; a value written by two
  different origins is ambiguous and traced no further;
- **stage**: each person's lifecycle stage, from the truth, then from stage writes.

The checker calls ``enter(op)`` before the detectors see an operation and ``apply(op, rec)``
after, so detectors read the state as it was just before the operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulators._shared.history import value_id
from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.checker.actors import Actors
from splitbrain.harness.checker.bindings import Bindings, FieldBinding, SystemBinding
from splitbrain.harness.checker.enums import EnumIds
from splitbrain.harness.checker.model import INFO, OK, Operation
from splitbrain.harness.checker.truth import Truth

__all__ = ["Origin", "RecordState", "WorldState"]

_AMBIGUOUS = "\x00ambiguous"
_WRITES = frozenset(("create", "write"))
_MIN_IDENTITY = 2
_EMPTY = frozenset((value_id(None), value_id(""), value_id([]), value_id({})))
_NOTHING: list[tuple[str, FieldBinding, str]] = []  # shared and never mutated


class RecordState:
    """One record: current values, possible values, liveness and owner."""

    __slots__ = (
        "first",
        "ident",
        "key",
        "kind",
        "live",
        "maybe",
        "merged_into",
        "person",
        "sut_create",
        "system",
        "touched",
        "values",
        "written_by",
    )

    def __init__(self, system: str, key: str, kind: str, person: str | None) -> None:
        self.system = system
        self.key = key
        self.kind = kind
        self.person = person
        self.live = False
        self.values: dict[str, str] = {}
        self.maybe: dict[str, set[str]] = {}
        self.sut_create: Operation | None = None
        self.merged_into: str | None = None
        self.first: Operation | None = None
        """The first definite create or write seen (the record's witness)."""
        self.written_by: dict[str, Operation] = {}
        """Last definite write of each bound field (local name)."""
        self.touched: set[str] = set()
        """Matrix fields changed during the run (by anyone but the setup)."""
        self.ident: dict[str, str] | None = None
        """Identity and link values an unattributed person record holds (until attributed)."""

    def label(self) -> str:
        """The person token, or the record itself when no person is known."""
        return self.person or f"{self.system}:{self.key}"


class Origin:
    """Where a value first entered the world: the write, its field and the version it made."""

    __slots__ = ("binding", "local", "op", "seq", "stage")

    def __init__(
        self, op: Operation, local: str, binding: FieldBinding, seq: int, stage: str | None
    ) -> None:
        self.op = op
        self.local = local
        self.binding = binding
        self.seq = seq
        self.stage = stage


class WorldState:
    def __init__(self, policy: Policy, bindings: Bindings, truth: Truth | None, actors: Actors):
        self.policy = policy
        self.bindings = bindings
        self.truth = truth
        self.actors = actors
        self.enums = EnumIds(policy)
        self._records: dict[str, dict[str, RecordState]] = {}
        self._origins: dict[str, Origin | None] = {}
        self._identity: dict[str, str] = {}
        self._links: dict[str, str] = {}
        self._id_refs: dict[str, str] = dict(truth.id_refs) if truth is not None else {}
        self._stages: dict[str, str] = {}
        self._systems: dict[str, SystemBinding] = dict(bindings.systems)
        self._bound_keys = {s: (b, frozenset(b.fields)) for s, b in self._systems.items()}
        self.bound: list[tuple[str, FieldBinding, str]] = _NOTHING
        """The bound fields of the operation being checked: (local field, binding, value id)."""

    # -- reading ---------------------------------------------------------------------------

    def records(self) -> Iterator[RecordState]:
        for by_key in self._records.values():
            yield from by_key.values()

    def record(self, system: str, key: str) -> RecordState | None:
        return self._records.get(system, {}).get(key)

    def origin(self, value: str) -> Origin | None:
        return self._origins.get(value)

    def stage(self, person: str | None) -> str | None:
        if person is None:
            return None
        stage = self._stages.get(person)
        if stage is None and self.truth is not None:
            stage = self.truth.stage_of(person)
        return stage

    # -- streaming -------------------------------------------------------------------------

    def enter(self, op: Operation) -> RecordState | None:
        """The record ``op`` acts on (created on first sight), and ``bound`` set for ``op``."""
        system = op.system
        by_key = self._records.get(system)
        if by_key is None:
            by_key = self._records[system] = {}
        rec = by_key.get(op.key)
        if rec is None:
            rec = self._new_record(by_key, op)
            if rec is None:
                self.bound = _NOTHING
                return None
        written = op.fields
        known = self._bound_keys.get(system)
        if not written or known is None:
            self.bound = _NOTHING
            return rec
        binding, keys = known
        if keys.isdisjoint(written):
            self.bound = _NOTHING
        else:
            bound = binding.fields
            self.bound = [
                (local, bound[local], v) for local, v in written.items() if local in bound
            ]
        if rec.person is None and op.type != "fail":
            self._attribute(rec, op, binding)
        return rec

    def apply(self, op: Operation, rec: RecordState | None) -> None:
        """Fold ``op``'s effect into the state (after the detectors saw it)."""
        if rec is None:
            return
        kind, f = op.type, op.f
        if kind == "fail":
            return
        if f in _WRITES or (f == "read" and op.fields):
            if kind == INFO:
                self._maybe(op, rec)
            else:
                self._apply_write(op, rec)
        elif kind == OK:
            if f == "delete":
                rec.live = False
            elif f == "merge":
                rec.live = False
                outcome = op.outcome or ""
                rec.merged_into = outcome.partition(":")[2] or None

    # -- internals -------------------------------------------------------------------------

    def _new_record(self, by_key: dict[str, RecordState], op: Operation) -> RecordState | None:
        kind, slash, rid = op.key.partition("/")
        if not slash:
            return None
        person = self.truth.person_of(op.system, rid) if self.truth is not None else None
        rec = by_key[op.key] = RecordState(op.system, op.key, kind, person)
        return rec

    @staticmethod
    def _maybe(op: Operation, rec: RecordState) -> None:
        """An unknown-outcome write: its values are possible, not current."""
        written = op.fields if op.fields is not None else op.written()
        for local, v in written.items():
            rec.maybe.setdefault(local, set()).add(v)

    def _apply_write(self, op: Operation, rec: RecordState) -> None:
        written = op.fields if op.fields is not None else op.written()
        rec.values.update(written)
        if rec.maybe:
            for local in written:
                rec.maybe.pop(local, None)
        binding = self._systems.get(rec.system)
        if binding is None:
            return
        if op.f != "read":
            if rec.first is None:
                rec.first = op
            if rec.kind == binding.person_kind:
                rec.live = True
                if op.f == "create" and rec.sut_create is None and self.actors.is_sut(op.process):
                    rec.sut_create = op
            if self.bound:
                self._learn_bound(op, rec)
        if rec.person is not None:
            if not binding.identity.isdisjoint(written):
                _learn(self._identity, rec.person, written, binding.identity)
            if binding.links and not binding.links.isdisjoint(written):
                _learn(self._links, rec.person, written, binding.links)
        elif rec.kind == binding.person_kind:
            self._hold_identity(rec, written, binding)

    def _learn_bound(self, op: Operation, rec: RecordState) -> None:
        stage_field = self.policy.stage_field
        origin_writer = not self.actors.is_sut(op.process)
        setup = self.actors.is_seed(op.process)
        seq = _version(op.new_version)
        for local, binding, v in self.bound:
            if binding.comparable:
                rec.written_by[local] = op
                if not setup:
                    rec.touched.add(binding.field)
            if binding.field == stage_field and rec.person is not None:
                stage = self.enums.canonical(self._enum_of(binding), v)
                if stage is not None:
                    self._stages[rec.person] = stage
            if origin_writer and binding.comparable and not binding.enum and seq is not None:
                self._learn_origin(v, Origin(op, local, binding, seq, self.stage(rec.person)))

    def _learn_origin(self, value: str, origin: Origin) -> None:
        known = self._origins.get(value, origin)
        if known is None:
            return
        same = known.op.system == origin.op.system and known.op.key == origin.op.key
        self._origins[value] = origin if same and known.local == origin.local else None

    def _enum_of(self, binding: FieldBinding) -> str | None:
        policy = self.policy.fields.get(binding.field)
        return None if policy is None else policy.enum

    @staticmethod
    def _hold_identity(rec: RecordState, written: Any, binding: SystemBinding) -> None:
        """Keep the identity and link values an unattributed person record now holds."""
        for local, v in written.items():
            if local in binding.identity or local in binding.links:
                if rec.ident is None:
                    rec.ident = {}
                rec.ident[local] = v

    def _attribute(self, rec: RecordState, op: Operation, binding: SystemBinding) -> None:
        written = op.fields or {}
        if rec.kind == binding.person_kind:
            held = rec.ident
            values = written if held is None else {**held, **written}
            person = self._by_identity(values, binding) or self._by_link(values, binding)
            rec.person = person
            if person is not None:
                self._id_refs.setdefault(value_id(rec.key.partition("/")[2]), person)
                if held is not None:  # what it held before it was known to be theirs
                    _learn(self._identity, person, held, binding.identity)
                    _learn(self._links, person, held, binding.links)
                    rec.ident = None
            return
        ref_field = binding.references.get(rec.kind)
        if ref_field is not None and written.get(ref_field) is not None:
            rec.person = self._id_refs.get(written[ref_field])

    def _by_link(self, written: Any, binding: SystemBinding) -> str | None:
        """The one person the link values (token, identifier) name, if they name one."""
        found: str | None = None
        for local in binding.links:
            value = written.get(local)
            if value in _EMPTY:
                continue  # an empty identifier list names nobody
            person = self._links.get(value)
            if person == _AMBIGUOUS or (person is not None and found not in (None, person)):
                return None
            found = person or found
        return found

    def _by_identity(self, written: Any, binding: SystemBinding) -> str | None:
        support: dict[str, int] = {}
        for local in binding.identity:
            person = self._identity.get(written.get(local))
            if person is not None and person != _AMBIGUOUS:
                support[person] = support.get(person, 0) + 1
        if not support:
            return None
        ranked = sorted(support.items(), key=lambda item: -item[1])
        best, count = ranked[0]
        if count < _MIN_IDENTITY or (len(ranked) > 1 and ranked[1][1] == count):
            return None
        return best


def _learn(known: dict[str, str], person: str, written: Any, fields: frozenset[str]) -> None:
    """Note that ``person``'s record holds each value of ``fields``; shared values name nobody."""
    for local, v in written.items():
        if local in fields:
            seen = known.setdefault(v, person)
            if seen is not person and seen != person:
                known[v] = _AMBIGUOUS


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None
