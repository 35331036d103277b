"""What the checker reads and what it finds: ``Operation``, ``Witness``, ``Anomaly``.

An :class:`Operation` is one invoke paired with its completion (docs/history.md). Its
``type`` is the completion's: ``ok`` (it happened), ``fail`` (it certainly did not) or
``info`` (unknown: it may have happened, at any moment after its invoke). An invoke that never
completed is read as ``info`` with outcome ``no_completion``, as Jepsen reads a crashed client.

An :class:`Anomaly` names its code, the operations that witness it (file and history index of
each), the person token and field, and says in plain words what went wrong::

    Anomaly(
        code=AnomalyCode.MESSAGE_AFTER_REVOCATION,
        witnesses=(Witness("portal.jsonl", 41, "revoke acknowledged"),
                   Witness("crm.jsonl", 97, "message sent")),
        person="gt_000007", field="HMARKT:sms",
        explanation="The patient withdrew consent ...")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = [
    "COMMITTED_OUTCOMES",
    "INFO",
    "MONO",
    "OK",
    "Anomaly",
    "AnomalyCode",
    "Operation",
    "Witness",
    "took_effect",
]

OK = "ok"
FAIL = "fail"
INFO = "info"

COMMITTED_OUTCOMES = frozenset({"crash_after_commit"})
"""``info`` outcomes that prove the server committed the operation: the simulators record
``crash_after_commit`` only when the request ran to completion and the reply was then cut
(``simulators._shared.faults``; ``History.ok`` turns into ``info`` for a doubtful reply). The
client cannot know, the history can. Any other ``info`` (``timeout``, ``no_completion``) stays
unknown: the same codes are recorded where the peer may not have applied it (the EHR's feed)."""


class AnomalyCode(StrEnum):
    """Every anomaly the checker names (DESIGN §9)."""

    LOST_UPDATE = "lost_update"
    STALE_OVERWRITE = "stale_overwrite"
    NON_OWNER_WRITE = "non_owner_write"
    DUPLICATE_PERSON = "duplicate_person"
    WRONG_MERGE = "wrong_merge"
    DIVERGENCE = "divergence"
    MESSAGE_AFTER_REVOCATION = "message_after_revocation"
    PHI_LEAK = "phi_leak"
    DOUBLE_EFFECT = "double_effect"
    LOST_EVENT = "lost_event"
    MISSING_AUDIT = "missing_audit"
    BROKEN_CHAIN = "broken_chain"


class Operation(NamedTuple):
    """One invoke and its completion. Built by the history reader, read by every detector.

    ``index``/``mono`` are the completion's, ``invoke_index``/``invoke_mono`` the invoke's;
    ``fields`` and ``value`` are the completion's when it carries them, else the invoke's
    (a write records what it sends on the invoke, a read what it saw on the completion).

    A named tuple because the reader builds millions of them: ``tuple.__new__`` with the 19
    values is the cheapest object CPython can build (a class with ``__slots__`` and an
    ``__init__`` costs half as much again). Nothing compares or hashes operations (hashing
    one would fail: its ``fields`` is a dict).
    """

    file: str
    system: str
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: the history index
    invoke_index: int
    type: str
    f: str
    key: str
    field: str | None
    process: str
    base_version: str | None
    new_version: str | None
    value: str | None
    fields: Mapping[str, Any] | None
    idempotency_key: str | None
    attempt: int | None
    outcome: str | None
    mono: int
    invoke_mono: int
    time: str

    def __repr__(self) -> str:
        return (
            f"Operation({self.file}#{self.invoke_index}->{self.index} {self.type} {self.f} "
            f"{self.key} by {self.process})"
        )

    def witness(self, what: str) -> Witness:
        """This operation as a witness, at its completion's index (the invoke's if none)."""
        return Witness(self.file, self.index, what)

    def written(self) -> Mapping[str, Any]:
        """``{field: value id}`` this operation carries: ``fields``, or ``{field: value}``."""
        if self.fields is not None:
            return self.fields
        if self.field is not None and self.value is not None:
            return {self.field: self.value}
        return {}


def took_effect(op: Operation) -> bool:
    """``op`` certainly happened: ``ok``, or ``info`` whose outcome proves the commit."""
    return op.type == OK or (op.type == INFO and op.outcome in COMMITTED_OUTCOMES)


MONO = Operation._fields.index("mono")
"""Where ``mono`` sits in an operation's tuple (the merge sorts plain tuples too)."""


@dataclass(frozen=True, slots=True, order=True)
class Witness:
    """One history record that shows an anomaly: the file it is in and its ``index`` there."""

    file: str
    index: int
    what: str = ""

    def __str__(self) -> str:
        label = f" ({self.what})" if self.what else ""
        return f"{self.file}#{self.index}{label}"


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One finding: its code, its witnesses, whose and which field, and what it means."""

    code: AnomalyCode
    witnesses: tuple[Witness, ...]
    person: str | None
    field: str | None
    explanation: str
    system: str | None = None

    def witnesses_by_file(self) -> dict[str, tuple[int, ...]]:
        """``{file: (index, ...)}``: the witnessing history indexes, per file."""
        found: dict[str, list[int]] = {}
        for witness in self.witnesses:
            found.setdefault(witness.file, []).append(witness.index)
        return {file: tuple(sorted(indexes)) for file, indexes in found.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "person": self.person,
            "field": self.field,
            "system": self.system,
            "witnesses": [
                {"file": w.file, "index": w.index, "what": w.what} for w in self.witnesses
            ],
            "explanation": self.explanation,
        }
