"""Whose record is this, when the ground truth does not say: attribution by identity and links.

A record belongs to a ground-truth person when the truth names it, when it points at a person
record (``Preferences.account_id``), or, for a record created during the run, when at least two
of its identity values (names, birth date, contact points) trace to exactly one person's
records and to no other person as often. A record's identity values add up over its operations
(an engine sends one field per request): the values it holds now count, not only those of one
operation. A link value (``patient_ref`` token, FHIR ``identifier``) that an attributed record
carries names that person on its own; a link value carried by two persons' records names
nobody::

    who = Attribution(truth)
    learn(who.identity, "gt_000007", {"phone": "v:..."}, binding.identity)   # as writes apply
    who.attribute(rec, op, binding)     # sets rec.person when the values name one person

``WorldState`` (``state.py``) calls it while it streams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulators._shared.history import value_id
from splitbrain.harness.checker.bindings import SystemBinding
from splitbrain.harness.checker.model import Operation
from splitbrain.harness.checker.truth import Truth

if TYPE_CHECKING:
    from splitbrain.harness.checker.state import RecordState

__all__ = ["Attribution", "learn"]

AMBIGUOUS = "\x00ambiguous"
_MIN_IDENTITY = 2
_EMPTY = frozenset((value_id(None), value_id(""), value_id([]), value_id({})))


class Attribution:
    """The identity and link values each person's records held, and the person record ids."""

    def __init__(self, truth: Truth | None) -> None:
        self.identity: dict[str, str] = {}
        """Identity value id -> the one person whose records held it (or ``AMBIGUOUS``)."""
        self.links: dict[str, str] = {}
        """Link value id -> the one person whose records held it (or ``AMBIGUOUS``)."""
        self._id_refs: dict[str, str] = dict(truth.id_refs) if truth is not None else {}

    @staticmethod
    def hold(rec: RecordState, written: Any, binding: SystemBinding) -> None:
        """Keep the identity and link values an unattributed person record now holds."""
        for local, v in written.items():
            if local in binding.identity or local in binding.links:
                if rec.ident is None:
                    rec.ident = {}
                rec.ident[local] = v

    def attribute(self, rec: RecordState, op: Operation, binding: SystemBinding) -> None:
        """Set ``rec.person`` when what it holds (with ``op``'s values) names one person."""
        written = op.fields or {}
        if rec.kind == binding.person_kind:
            held = rec.ident
            values = written if held is None else {**held, **written}
            person = self._by_identity(values, binding) or self._by_link(values, binding)
            rec.person = person
            if person is not None:
                self._id_refs.setdefault(value_id(rec.key.partition("/")[2]), person)
                if held is not None:  # what it held before it was known to be theirs
                    learn(self.identity, person, held, binding.identity)
                    learn(self.links, person, held, binding.links)
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
            person = self.links.get(value)
            if person == AMBIGUOUS or (person is not None and found not in (None, person)):
                return None
            found = person or found
        return found

    def _by_identity(self, written: Any, binding: SystemBinding) -> str | None:
        support: dict[str, int] = {}
        for local in binding.identity:
            person = self.identity.get(written.get(local))
            if person is not None and person != AMBIGUOUS:
                support[person] = support.get(person, 0) + 1
        if not support:
            return None
        ranked = sorted(support.items(), key=lambda item: -item[1])
        best, count = ranked[0]
        if count < _MIN_IDENTITY or (len(ranked) > 1 and ranked[1][1] == count):
            return None
        return best


def learn(known: dict[str, str], person: str, written: Any, fields: frozenset[str]) -> None:
    """Note that ``person``'s record holds each value of ``fields``; shared values name nobody."""
    for local, v in written.items():
        if local in fields:
            seen = known.setdefault(v, person)
            if seen is not person and seen != person:
                known[v] = AMBIGUOUS
