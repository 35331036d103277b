"""The world as the histories show it, kept per record while the checker streams.

For every record (``system`` + ``Kind/id``) it keeps the current value id of each field, the
values an unknown-outcome write may have set, whether the record is live, and whose it is.
Across records it keeps:

- **attribution** (``attribution.py``): which ground-truth person each record belongs to, from
  the truth, a reference to a person record, or the identity and link values it holds;
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

from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.checker.actors import Actors
from splitbrain.harness.checker.attribution import Attribution, learn
from splitbrain.harness.checker.bindings import Bindings, FieldBinding, SystemBinding
from splitbrain.harness.checker.enums import EnumIds
from splitbrain.harness.checker.model import INFO, OK, Operation
from splitbrain.harness.checker.truth import Truth

__all__ = ["Origin", "RecordState", "WorldState"]

_WRITES = frozenset(("create", "write"))
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


_NEW = Origin.__new__(Origin)
"""Stands for "no origin known yet" in lookups (None means ambiguous)."""


class WorldState:
    def __init__(self, policy: Policy, bindings: Bindings, truth: Truth | None, actors: Actors):
        self.policy = policy
        self.bindings = bindings
        self.truth = truth
        self.actors = actors
        self.enums = EnumIds(policy)
        self._records: dict[str, dict[str, RecordState]] = {}
        self._origins: dict[str, Origin | None] = {}
        self._who = Attribution(truth)
        self._stages: dict[str, str] = {}
        self._systems: dict[str, SystemBinding] = dict(bindings.systems)
        self._bound_keys = {s: (b, frozenset(b.fields)) for s, b in self._systems.items()}
        self._is_sut = actors.sut_lookup
        self._is_seed = actors.seed_lookup
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
        if not written:
            self.bound = _NOTHING
            return rec
        known = self._bound_keys.get(system)
        if known is None:
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
            self._who.attribute(rec, op, binding)
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
                self._apply_write(op, rec, f)
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

    def _apply_write(self, op: Operation, rec: RecordState, f: str) -> None:
        written = op.fields
        if written is None:
            written = op.written()
        rec.values.update(written)
        if rec.maybe:
            for local in written:
                rec.maybe.pop(local, None)
        binding = self._systems.get(rec.system)
        if binding is None:
            return
        if f != "read":
            if rec.first is None:
                rec.first = op
            if rec.kind == binding.person_kind:
                rec.live = True
                if f == "create" and rec.sut_create is None and self._is_sut(op.process):
                    rec.sut_create = op
            if self.bound:
                self._learn_bound(op, rec)
        person = rec.person
        if person is not None:
            identity, links = binding.identity, binding.links
            if not identity.isdisjoint(written):
                learn(self._who.identity, person, written, identity)
            if links and not links.isdisjoint(written):
                learn(self._who.links, person, written, links)
        elif rec.kind == binding.person_kind:
            self._who.hold(rec, written, binding)

    def _learn_bound(self, op: Operation, rec: RecordState) -> None:
        stage_field = self.policy.stage_field
        origin_writer = not self._is_sut(op.process)
        setup = self._is_seed(op.process)
        seq = _version(op.new_version) if origin_writer else None
        origins = self._origins
        person = rec.person
        stage: str | None = None
        staged = False  # ``stage`` is the person's stage now (computed once, when needed)
        for local, binding, v in self.bound:
            comparable = binding.comparable
            if comparable:
                rec.written_by[local] = op
                if not setup:
                    rec.touched.add(binding.field)
            if person is not None and binding.field == stage_field:
                canonical = self.enums.canonical(self._enum_of(binding), v)
                if canonical is not None:
                    self._stages[person] = canonical
                    staged = False
            if seq is None or not comparable or binding.enum:
                continue
            known = origins.get(v, _NEW)  # inline _learn_origin: the common case is a new value
            if known is None:
                continue  # ambiguous already
            if known is not _NEW and not (
                known.op.system == op.system and known.op.key == op.key and known.local == local
            ):
                origins[v] = None
                continue
            if not staged:
                stage, staged = self.stage(person), True
            origins[v] = Origin(op, local, binding, seq, stage)

    def _enum_of(self, binding: FieldBinding) -> str | None:
        policy = self.policy.fields.get(binding.field)
        return None if policy is None else policy.enum


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None
