"""``AuditEvent``: what one audit entry says, and its canonical JSON form (DESIGN §7).

An event holds identifiers, codes and field names only. Values never enter an event: where the
log must show *which* value was involved, it holds a keyed fingerprint of it (``fingerprint()``
in ``keys.py``). Every string field is checked against a code syntax (no spaces, no ``@``, no
``+``), so a name, an e-mail address or an E.164 phone number cannot be stored by mistake, and
an error names the field, never the value.

Example::

    AuditEvent(actor="usr_12", role="growth_ops", service="engine", action="write.decide",
               outcome=AuditOutcome.REJECTED, reason="not_owner", matrix_version="3",
               person="per_0001", field_names=("medication_plan",),
               fingerprints=(("medication_plan", fingerprint(key, "semaglutide 0.5 mg")),),
               correlation_id="corr-81", at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from splitbrain.engine.domain.audit.canonical import (
    canonical_event_bytes,
    canonical_json,
    event_to_dict,
    format_instant,
)
from splitbrain.engine.domain.audit.errors import AuditEventError

__all__ = [
    "CODE_PATTERN",
    "EVENT_KEYS",
    "AuditEvent",
    "AuditOutcome",
    "canonical_json",
    "event_from_dict",
    "event_to_dict",
    "format_instant",
    "parse_instant",
]

CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:/#=-]{0,199}"
"""Identifiers, tokens and codes: what every free string field of an event must match."""
_CODE = re.compile(CODE_PATTERN)
_CODES = re.compile(f"{CODE_PATTERN}(?:\n{CODE_PATTERN})*")  # many codes in one match
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")
_FINGERPRINT = re.compile(r"fp1:k[0-9a-f]{16}:[0-9a-f]{64}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_KNOWN_CODES: set[str | None] = {None}
"""Strings already found to match ``CODE_PATTERN`` (and None, an absent optional): a memo of
the fast path, emptied when it passes ``_KNOWN_LIMIT``. Only checked strings enter it."""
_KNOWN_NAMES: set[str] = set()
"""Strings already found to be field names (the same memo for ``_FIELD_NAME``)."""
_KNOWN_LIMIT = 65_536


class AuditOutcome(StrEnum):
    """The decision kind an event records. Allow and deny are both logged."""

    APPLIED = "applied"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    DUPLICATE = "duplicate"
    PERMIT = "permit"
    DENY = "deny"


_OUTCOMES = frozenset(o.value for o in AuditOutcome)
_OUTCOME_OF: dict[str, AuditOutcome] = {o.value: o for o in AuditOutcome}
_OUTCOME_TYPES = frozenset({str, AuditOutcome})
_TUPLE = frozenset({tuple})
_REQUIRED_CODES = ("actor", "role", "service", "action")
_OPTIONAL_CODES = (
    "reason",
    "matrix_version",
    "policy_version",
    "purpose",
    "consent_ref",
    "person",
    "correlation_id",
    "match_grade",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One audited action. Construction validates and normalizes (UTC time, sorted pairs)."""

    actor: str
    role: str
    service: str
    action: str
    outcome: AuditOutcome
    at: datetime
    reason: str | None = None
    matrix_version: str | None = None
    policy_version: str | None = None
    purpose: str | None = None
    consent_ref: str | None = None
    person: str | None = None
    """A person token or engine id, never a name or another PHI value."""
    correlation_id: str | None = None
    match_grade: str | None = None
    field_names: tuple[str, ...] = ()
    fingerprints: tuple[tuple[str, str], ...] = ()
    """(field name, keyed fingerprint of its value); every name is also in ``field_names``."""
    extra: tuple[tuple[str, str], ...] = ()
    """Non-PHI detail as (key, code) pairs, e.g. (("rule", "stage_owner_wins"),)."""
    _canonical: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if _fast_check(self):
            return
        _check_codes(self)
        _set(self, "outcome", _outcome(self.outcome))
        _set(self, "at", _utc(self.at))
        _set(self, "field_names", _field_names(self.field_names))
        _set(self, "fingerprints", _fingerprints(self.fingerprints, self.field_names))
        _set(self, "extra", _extra(self.extra))
        _set(self, "_canonical", canonical_event_bytes(self))

    def canonical_bytes(self) -> bytes:
        """``canonical_json(event_to_dict(self))``, computed once at construction."""
        return self._canonical


_ALL_CODES = (*_REQUIRED_CODES, *_OPTIONAL_CODES)
EVENT_KEYS = frozenset(f.name for f in fields(AuditEvent) if f.init)


def event_from_dict(data: object) -> AuditEvent:
    """Parse the form ``event_to_dict`` writes, strictly: exact keys, exact types.

    Raises ``AuditEventError`` naming the key that is wrong.
    """
    if not isinstance(data, dict):
        raise AuditEventError("audit event must be a JSON object")
    if data.keys() != EVENT_KEYS:
        missing = sorted(EVENT_KEYS - data.keys())
        unknown = len(data.keys() - EVENT_KEYS)
        raise AuditEventError(
            f"audit event keys differ from the schema: missing {missing}, {unknown} unknown"
        )
    for name in (*_REQUIRED_CODES, *_OPTIONAL_CODES, "outcome", "at"):
        if data[name] is not None and not isinstance(data[name], str):
            raise AuditEventError(f"audit event key {name!r} must be a string")
    return AuditEvent(
        **{name: data[name] for name in (*_REQUIRED_CODES, *_OPTIONAL_CODES)},
        outcome=data["outcome"],
        at=parse_instant(data["at"]),
        field_names=tuple(_str_list(data["field_names"], "field_names")),
        fingerprints=tuple(_str_map(data["fingerprints"], "fingerprints").items()),
        extra=tuple(_str_map(data["extra"], "extra").items()),
    )


def parse_instant(text: object) -> datetime:
    """The inverse of ``format_instant``; anything but that exact form is refused."""
    if not isinstance(text, str) or not _INSTANT.fullmatch(text):
        raise AuditEventError("audit event key 'at' must look like 2026-01-05T09:00:00.000000Z")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise AuditEventError("audit event key 'at' is not a real instant") from exc


def _fast_check(event: AuditEvent) -> bool:
    """Validate and normalize the common, well-formed event, and write its canonical bytes.

    The same rules as the field-by-field checks below, which run instead whenever this returns
    False (anything unusual: a list for a tuple, a non-UTC time, a string that is no code) and
    name the culprit. Strings already checked once are found in a memo; the rest are matched
    here. Every string is checked before the canonical text is trusted: codes, names and
    fingerprints hold no character JSON escapes, so it is written without an encoder, and a
    test holds it byte-equal to ``canonical_json(event_to_dict(event))``.
    """
    names, prints, extra, at = event.field_names, event.fingerprints, event.extra, event.at
    outcome = event.outcome
    if (
        type(names) is not tuple
        or type(prints) is not tuple
        or type(extra) is not tuple
        or type(at) is not datetime
        or at.tzinfo is not UTC
        or type(outcome) not in _OUTCOME_TYPES
        or not _TUPLE.issuperset(map(type, prints))
        or not _TUPLE.issuperset(map(type, extra))
    ):
        return False
    member = _OUTCOME_OF.get(outcome)
    e = event
    codes = (
        e.actor,
        e.role,
        e.service,
        e.action,
        e.reason,
        e.matrix_version,
        e.policy_version,
        e.purpose,
        e.consent_ref,
        e.person,
        e.correlation_id,
        e.match_grade,
    )  # _REQUIRED_CODES and _OPTIONAL_CODES, spelled out: this is the hot path
    try:
        printed, detail = dict(prints), dict(extra)  # pairs of two, or ValueError
        if (
            member is None
            or len(printed) != len(prints)
            or len(detail) != len(extra)
            or not _all_match((*codes, *detail.values()), _KNOWN_CODES, _CODE)
            or not _all_match((*names, *detail), _KNOWN_NAMES, _FIELD_NAME)
            or not printed.keys() <= set(names)
            or not all(map(_FINGERPRINT.fullmatch, printed.values()))
        ):
            return False
        if len(prints) > 1:
            prints = tuple(sorted(prints))
            _set(event, "fingerprints", prints)
        if len(extra) > 1:
            extra = tuple(sorted(extra))
            _set(event, "extra", extra)
        text = _canonical_text(event, member, names, prints, extra)
    except (TypeError, ValueError):  # something that is not a string, or not a pair
        return False
    if member is not outcome:
        _set(event, "outcome", member)
    _set(event, "_canonical", text.encode())
    return True


def all_codes(values: tuple[object, ...]) -> bool:
    """Every value is None or a string matching ``CODE_PATTERN`` (memoized, as events check)."""
    known = _KNOWN_CODES
    try:
        fresh: set[Any] = set(values).difference(known)
    except TypeError:  # something unhashable: no code
        return False
    for value in fresh:
        if not isinstance(value, str) or _CODE.fullmatch(value) is None:
            return False
    if len(known) > _KNOWN_LIMIT:  # start again (None stays: it stands for "absent")
        known.clear()
        known.add(None)
    known.update(fresh)
    return True


def known_codes() -> set[str | None]:
    """The memo of strings found to be codes (and None): a hit needs no pattern match."""
    return _KNOWN_CODES


def known_names() -> set[str]:
    """The memo of strings found to be field names."""
    return _KNOWN_NAMES


def is_field_name(value: object) -> bool:
    """``value`` is a string that is a field name (memoized, as events check)."""
    return value is not None and _all_match((value,), _KNOWN_NAMES, _FIELD_NAME)


def is_fingerprint(value: object) -> bool:
    """``value`` has the form ``fingerprint()`` writes."""
    return isinstance(value, str) and _FINGERPRINT.fullmatch(value) is not None


def _all_match(values: tuple[object, ...], known: set[Any], pattern: re.Pattern[str]) -> bool:
    """Every value is a string matching ``pattern`` (None too, when ``known`` holds it)."""
    if known.issuperset(values):
        return True
    fresh = [v for v in values if v not in known]
    for value in fresh:
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            return False
    if len(known) > _KNOWN_LIMIT:  # start again (None stays: it stands for "absent")
        absent = None in known
        known.clear()
        known.update([None] if absent else [])
    known.update(fresh)
    return True


def _canonical_text(
    e: AuditEvent,
    outcome: AuditOutcome,
    names: tuple[str, ...],
    prints: tuple[tuple[str, str], ...],
    extra: tuple[tuple[str, str], ...],
) -> str:
    """``canonical_event_bytes(e)`` as text, for an event whose every string is checked (no
    escapes needed) and whose pairs are sorted. Keys in sorted order; None is null. Strings go
    in by ``join`` only, which takes a str subclass (an enum member) by its value, as json does.
    """
    at = e.at.isoformat()  # UTC here: "...+00:00", with microseconds unless there are none
    consent, correlation, grade, matrix, person, policy, purpose, reason = [
        "null" if v is None else "".join(('"', v, '"'))
        for v in (
            e.consent_ref,
            e.correlation_id,
            e.match_grade,
            e.matrix_version,
            e.person,
            e.policy_version,
            e.purpose,
            e.reason,
        )
    ]
    pairs = '","'.join(['":"'.join(p) for p in extra])
    printed = '","'.join(['":"'.join(p) for p in prints])
    return "".join(
        (
            '{"action":"', e.action, '","actor":"', e.actor, '","at":"',
            at[:-6] + "Z" if len(at) > 25 else at[:-6] + ".000000Z",
            '","consent_ref":', consent, ',"correlation_id":', correlation,
            ',"extra":{', '"' if pairs else "", pairs, '"' if pairs else "",
            '},"field_names":[', '"' if names else "", '","'.join(names), '"' if names else "",
            '],"fingerprints":{', '"' if printed else "", printed, '"' if printed else "",
            '},"match_grade":', grade, ',"matrix_version":', matrix,
            ',"outcome":"', outcome, '","person":', person, ',"policy_version":', policy,
            ',"purpose":', purpose, ',"reason":', reason,
            ',"role":"', e.role, '","service":"', e.service, '"}',
        )
    )  # fmt: skip


def _set(event: AuditEvent, name: str, value: object) -> None:
    object.__setattr__(event, name, value)


def _check_codes(event: AuditEvent) -> None:
    values = [getattr(event, name) for name in _ALL_CODES]
    present = [v for v in values if v is not None]
    joined = "\n".join(present) if all(isinstance(v, str) for v in present) else None
    required = (event.actor, event.role, event.service, event.action)
    if (
        joined is not None
        and None not in required
        and _CODES.fullmatch(joined)
        and joined.count("\n") == len(present) - 1
    ):
        return  # the common case: one match for every field; otherwise find the culprit
    for name in _REQUIRED_CODES:
        _code(name, getattr(event, name))
    for name in _OPTIONAL_CODES:
        value = getattr(event, name)
        if value is not None:
            _code(name, value)


def _code(name: str, value: object) -> None:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise AuditEventError(
            f"AuditEvent.{name} is not a code (it must match {CODE_PATTERN}); values never go "
            "into an audit event: pass a token or id, and put values in fingerprints"
        )


def _outcome(value: object) -> AuditOutcome:
    if isinstance(value, str) and value in _OUTCOMES:
        return AuditOutcome(value)
    known = ", ".join(sorted(_OUTCOMES))
    raise AuditEventError(f"AuditEvent.outcome must be one of {known}")


def _utc(at: object) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise AuditEventError("AuditEvent.at must be a timezone-aware datetime (use UTC)")
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def _field_names(names: object) -> tuple[str, ...]:
    result = tuple(names) if isinstance(names, tuple | list) else None
    if result is None or not all(isinstance(n, str) and _FIELD_NAME.fullmatch(n) for n in result):
        raise AuditEventError(
            "AuditEvent.field_names must be a tuple of field names like 'medication_plan'"
        )
    return result


def _fingerprints(pairs: object, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    result = _pairs(pairs, "fingerprints")
    for name, fp in result:
        if name not in names:
            raise AuditEventError(
                f"AuditEvent.fingerprints names field {name!r} that is not in field_names; "
                "add it to field_names"
            )
        if not _FINGERPRINT.fullmatch(fp):
            raise AuditEventError(
                f"AuditEvent.fingerprints[{name!r}] is not a fingerprint; "
                "compute it with fingerprint(key, value)"
            )
    return result


def _extra(pairs: object) -> tuple[tuple[str, str], ...]:
    result = _pairs(pairs, "extra")
    for key, value in result:
        _code(f"extra[{key!r}]", value)
    return result


def _pairs(pairs: object, name: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(pairs, tuple | list):
        raise AuditEventError(f"AuditEvent.{name} must be a tuple of (name, str) pairs")
    result: list[tuple[str, str]] = []
    for pair in pairs:
        if not _is_named_pair(pair):
            raise AuditEventError(
                f"AuditEvent.{name} must hold (name, str) pairs with names like 'medication_plan'"
            )
        result.append((pair[0], pair[1]))
    result.sort()
    if any(a[0] == b[0] for a, b in pairwise(result)):
        raise AuditEventError(f"AuditEvent.{name} names one key twice; keep one pair per key")
    return tuple(result)


def _is_named_pair(pair: object) -> bool:
    return (
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
        and _FIELD_NAME.fullmatch(pair[0]) is not None
    )


def _str_list(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AuditEventError(f"audit event key {name!r} must be a list of strings")
    return value


def _str_map(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise AuditEventError(f"audit event key {name!r} must be an object of strings")
    return value
