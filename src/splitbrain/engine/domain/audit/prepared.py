"""``EventShape`` and ``PreparedEvent``: the write path's audit events, checked and encoded fast.

Every decision the engine logs has one shape: one field name, at most one fingerprint, and a
fixed set of ``extra`` keys. An ``EventShape`` checks the static parts once (service, action,
the extra keys) and keeps the canonical JSON around them as a template; ``prepare`` then checks
only what varies (every identifier against the code syntax, through the same memo
``AuditEvent`` uses, but for a shape's ``fresh`` key, new in nearly every event, matched each
time and kept out of the memo; the field name; the fingerprint's form; a UTC instant) and fills the
template. The result is a ``PreparedEvent``: the canonical text, hashed and stored as is.
``event()`` builds the equivalent ``AuditEvent`` (fully validated, and checked to encode to the
same bytes) for a sink that keeps objects; a test holds ``prepare`` and ``AuditEvent`` equal on
any input, refusals included (an identifier that is no code raises ``AuditEventError``).

Example::

    APPLIED = EventShape("engine", "write.decide", ("idempotency_key", "rule"))
    prepared = APPLIED.prepare(actor="usr_1", role="ops", outcome=AuditOutcome.APPLIED, at=now,
                               reason=None, matrix_version="1", person="per_0001",
                               correlation_id=None, field="medication_plan", fingerprint=fp,
                               extra=("crm:evt-1", "owner"))
    prepared.text          # '{"action":"write.decide","actor":"usr_1",...}'
    sink.append_prepared(prepared)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from splitbrain.engine.domain.audit.errors import AuditEventError
from splitbrain.engine.domain.audit.event import (
    CODE_PATTERN,
    AuditEvent,
    AuditOutcome,
    all_codes,
    is_field_name,
    is_fingerprint,
    known_codes,
    known_names,
)
from splitbrain.engine.domain.audit.keys import issued_fingerprints

_KNOWN_CODES = known_codes()
_KNOWN_NAMES = known_names()
_ISSUED = issued_fingerprints()
_IS_CODE = re.compile(CODE_PATTERN).fullmatch


class PreparedEvent:
    """One audit event as canonical text, made by ``EventShape.prepare`` (see the module)."""

    __slots__ = ("_shape", "_values", "action", "correlation_id", "text")

    def __init__(
        self, text: str, shape: EventShape, values: tuple[object, ...], correlation: str | None
    ) -> None:
        self.text = text
        """``canonical_json(event_to_dict(self.event()))`` as text: what is hashed and stored."""
        self.action = shape.action
        self.correlation_id = correlation
        self._shape = shape
        self._values = values

    def canonical_bytes(self) -> bytes:
        return self.text.encode()

    def event(self) -> AuditEvent:
        """The same event as an ``AuditEvent`` (validated again; same canonical bytes)."""
        return self._shape.event(self)


class EventShape:
    """The static part of a family of single-field events: service, action, extra keys."""

    __slots__ = ("_at", "_fresh", "_keys", "_parts", "action", "service")

    def __init__(
        self, service: str, action: str, extra_keys: tuple[str, ...], *, fresh: str | None = None
    ) -> None:
        """``fresh`` names the extra key whose value is new in nearly every event (the
        idempotency key): it is matched against the code pattern every time and kept out of
        the memo of known codes, which then holds the values that repeat."""
        if not all_codes((service, action)) or None in (service, action):
            raise AuditEventError("EventShape service and action must be codes")
        if not all(map(is_field_name, extra_keys)) or list(extra_keys) != sorted(set(extra_keys)):
            raise AuditEventError("EventShape extra keys must be field names, sorted and unique")
        self.service, self.action, self._keys = service, action, extra_keys
        if fresh is not None and fresh not in extra_keys:
            raise AuditEventError("EventShape fresh must name one of its extra keys")
        self._fresh = -1 if fresh is None else 6 + extra_keys.index(fresh)
        """Where the fresh value sits in ``prepare``'s ``values`` (after the six fixed codes)."""
        extra = ",".join(f'"{key}":"%s"' for key in extra_keys)
        template = (
            f'{{"action":"{action}","actor":"%s","at":"%s","consent_ref":null,'
            f'"correlation_id":%s,"extra":{{{extra}}},"field_names":["%s"],'
            '"fingerprints":{%s},"match_grade":null,"matrix_version":%s,"outcome":"%s",'
            '"person":%s,"policy_version":null,"purpose":null,"reason":%s,'
            f'"role":"%s","service":"{service}"}}'
        )
        parts: list[str] = []
        for text in template.split("%s"):
            parts += (text, "")
        self._parts = parts[:-1]
        """The template's static text at even places, a slot for each value between (joined
        once per event: cheaper than ``%`` formatting)."""
        self._at: tuple[datetime | None, str] = (None, "")
        """The last instant formatted, with its text (one tuple: replaced atomically)."""

    def prepare(
        self,
        *,
        actor: str,
        role: str,
        outcome: AuditOutcome,
        at: datetime,
        reason: str | None,
        matrix_version: str | None,
        person: str | None,
        correlation_id: str | None,
        field: str,
        fingerprint: str | None,
        extra: tuple[str, ...],
    ) -> PreparedEvent:
        """The event; raises ``AuditEventError`` as ``AuditEvent`` would for the same input.

        ``extra`` holds the values of the shape's extra keys, in the keys' (sorted) order.
        """
        values = (actor, role, reason, matrix_version, person, correlation_id, *extra)
        at_fresh, repeated = self._fresh, values
        try:
            if at_fresh >= 0 and len(extra) == len(self._keys):
                fresh = values[at_fresh]
                if not isinstance(fresh, str) or _IS_CODE(fresh) is None:
                    raise TypeError  # refused below, as AuditEvent refuses it
                repeated = values[:at_fresh] + values[at_fresh + 1 :]
            refused = (
                len(extra) != len(self._keys)
                or type(outcome) is not AuditOutcome
                or actor is None
                or role is None
                or None in extra
                or not (_KNOWN_CODES.issuperset(repeated) or all_codes(repeated))
                or not (field in _KNOWN_NAMES or is_field_name(field))
                or (
                    fingerprint is not None
                    and fingerprint not in _ISSUED  # made by a Fingerprinter: well formed
                    and not is_fingerprint(fingerprint)
                )
            )
        except TypeError:  # something unhashable where a string belongs
            refused = True
        if refused:
            self._refuse(values, outcome, field, fingerprint)
        cached = self._at
        if cached[0] is at:
            stamp = cached[1]
        else:
            stamp = _stamp(at)
            self._at = (at, stamp)
        pieces = self._parts.copy()
        pieces[1::2] = (
            actor,
            stamp,
            "null" if correlation_id is None else f'"{correlation_id}"',
            *extra,
            field,
            "" if fingerprint is None else f'"{field}":"{fingerprint}"',
            "null" if matrix_version is None else f'"{matrix_version}"',
            outcome,  # a StrEnum member: join takes it by its value
            "null" if person is None else f'"{person}"',
            "null" if reason is None else f'"{reason}"',
            role,
        )
        return PreparedEvent(
            "".join(pieces), self, (outcome, at, field, fingerprint, *values), correlation_id
        )

    def event(self, prepared: PreparedEvent) -> AuditEvent:
        outcome, at, field, fp, actor, role, reason, matrix, person, corr, *extra = (
            prepared._values  # the shape reads what it stored
        )
        event = AuditEvent(
            actor=actor,  # type: ignore[arg-type]
            role=role,  # type: ignore[arg-type]
            service=self.service,
            action=self.action,
            outcome=outcome,  # type: ignore[arg-type]
            at=at,  # type: ignore[arg-type]
            reason=reason,  # type: ignore[arg-type]
            matrix_version=matrix,  # type: ignore[arg-type]
            person=person,  # type: ignore[arg-type]
            correlation_id=corr,  # type: ignore[arg-type]
            field_names=(field,),  # type: ignore[arg-type]
            fingerprints=() if fp is None else ((field, fp),),  # type: ignore[arg-type]
            extra=tuple(zip(self._keys, extra, strict=True)),  # type: ignore[arg-type]
        )
        if event.canonical_bytes() != prepared.canonical_bytes():
            raise AuditEventError(
                f"prepared event for action {self.action!r} encodes differently from its "
                "AuditEvent: an EventShape bug"
            )
        return event

    def _refuse(
        self, values: tuple[object, ...], outcome: object, field: object, fp: object
    ) -> None:
        """Raise the error ``AuditEvent`` raises for this input (it names the field)."""
        actor, role, reason, matrix, person, corr, *extra = values
        if len(extra) != len(self._keys):
            raise AuditEventError(
                f"EventShape {self.action!r} takes {len(self._keys)} extra values, got {len(extra)}"
            )
        AuditEvent(
            actor=actor,  # type: ignore[arg-type]
            role=role,  # type: ignore[arg-type]
            service=self.service,
            action=self.action,
            outcome=outcome,  # type: ignore[arg-type]
            at=datetime(2000, 1, 1, tzinfo=UTC),
            reason=reason,  # type: ignore[arg-type]
            matrix_version=matrix,  # type: ignore[arg-type]
            person=person,  # type: ignore[arg-type]
            correlation_id=corr,  # type: ignore[arg-type]
            field_names=(field,),  # type: ignore[arg-type]
            fingerprints=() if fp is None else ((field, fp),),  # type: ignore[arg-type]
            extra=tuple(zip(self._keys, extra, strict=True)),  # type: ignore[arg-type]
        )
        raise AuditEventError(f"EventShape {self.action!r} refused an event AuditEvent takes")


def _stamp(at: datetime) -> str:
    """``format_instant(at)``; a naive time is refused as ``AuditEvent`` refuses it."""
    if not isinstance(at, datetime):
        raise AuditEventError("AuditEvent.at must be a timezone-aware datetime (use UTC)")
    if at.tzinfo is not UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            raise AuditEventError("AuditEvent.at must be a timezone-aware datetime (use UTC)")
        at = at.astimezone(UTC)
    text = at.isoformat()
    return text[:-6] + "Z" if len(text) > 25 else text[:-6] + ".000000Z"
