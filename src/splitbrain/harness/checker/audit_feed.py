"""The SUT's audit, when it exposes one: what it answered, and whether its chain holds.

The feed is the JSONL of ``splitbrain audit export --format jsonl`` (one chained entry per
line). The checker needs two things from it:

- the chain verified (``splitbrain.engine.domain.audit.verify``), with the signed checkpoints
  and their keys when given, else the hash links alone;
- the identifiers the audit *answers*: an event answers a history operation or an inbound event
  when its ``correlation_id`` equals the operation's ``idempotency_key`` (an outbound write's
  Idempotency-Key, a webhook's event id, an HL7 message control id), or when one of its
  ``extra`` pairs ``idempotency_key`` / ``event_id`` / ``message_id`` names it.

Example::

    feed = AuditFeed.load(Path("audit.jsonl"))
    feed.verification.ok, "k-0042" in feed.answered
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditError,
    Checkpoint,
    MalformedEntryError,
    VerifyFailure,
    VerifyResult,
    entry_from_json,
    entry_to_json,
    verify,
)
from splitbrain.harness.checker.errors import AuditFeedError

__all__ = ["ANSWER_KEYS", "AuditFeed"]

ANSWER_KEYS = frozenset({"idempotency_key", "event_id", "message_id"})


@dataclass(frozen=True, slots=True)
class AuditFeed:
    label: str
    verification: VerifyResult
    answered: frozenset[str]
    entries: int

    @classmethod
    def load(
        cls,
        path: str | Path,
        checkpoints: Sequence[Checkpoint] = (),
        keys: Iterable[bytes] = (),
    ) -> AuditFeed:
        where = Path(path)
        try:
            lines = where.read_bytes().splitlines()
        except OSError as exc:
            raise AuditFeedError(
                f"audit feed {where.name} cannot be read ({exc.strerror}); pass the file "
                "`splitbrain audit export --format jsonl` wrote"
            ) from exc
        return cls.from_lines(where.name, lines, checkpoints, keys)

    @classmethod
    def from_lines(
        cls,
        label: str,
        lines: Sequence[bytes | str],
        checkpoints: Sequence[Checkpoint] = (),
        keys: Iterable[bytes] = (),
    ) -> AuditFeed:
        rows = [line for line in lines if line.strip()]
        answered: set[str] = set()
        parsed = 0

        def entries() -> Iterator[AuditEntry]:  # parse once: verify and collect together
            nonlocal parsed
            for row in rows:
                entry = entry_from_json(row)
                parsed += 1
                _collect(entry, answered)
                yield entry

        result = verify(entries(), checkpoints, list(keys))
        count = parsed
        rest = parsed + 1 if result.failure is VerifyFailure.MALFORMED_ENTRY else parsed
        for entry in _readable(rows[rest:]):  # verify stops at the first bad entry
            count += 1
            _collect(entry, answered)
        return cls(label, result, frozenset(answered), count)

    @classmethod
    def from_entries(cls, label: str, entries: Sequence[AuditEntry]) -> AuditFeed:
        """An in-memory log (the reference engine's ``MemoryAuditLog.entries()``)."""
        return cls.from_lines(label, [entry_to_json(entry) for entry in entries])


def _collect(entry: AuditEntry, answered: set[str]) -> None:
    event = entry.event
    if event.correlation_id is not None:
        answered.add(event.correlation_id)
    answered.update(value for key, value in event.extra if key in ANSWER_KEYS)


def _readable(rows: Sequence[bytes | str]) -> Iterator[AuditEntry]:
    """Every entry that parses (a broken one is the chain's finding, not a reason to stop)."""
    for row in rows:
        try:
            yield entry_from_json(row)
        except (MalformedEntryError, AuditError):
            continue
