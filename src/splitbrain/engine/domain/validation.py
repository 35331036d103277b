"""Value validation and enum mapping: step 2 of ``decide()`` (DESIGN §4).

A write carries the source system's own value. :func:`canonicalize` checks it against the row's
value kind and returns the canonical value the engine stores, or an :class:`Invalid` saying which
form was expected. ``None`` always clears a field and is valid for every kind; an empty or blank
string is not a value (DESIGN §5: a missing value is null, never an empty string).

=========  ==========================================  ====================================
kind       accepted                                    canonical
=========  ==========================================  ====================================
string     any non-blank text                          trimmed
date       ISO calendar date ``YYYY-MM-DD``            as sent (trimmed)
boolean    true/false, yes/no, 1/0 (any case)          ``true`` or ``false``
phone      7-15 digits, optional leading ``+``,        trimmed (E.164 normalisation belongs
           spaces, dots, dashes and parentheses        to identity, behind its adapter)
email      one ``@``, a dotted domain, no spaces       trimmed, domain lower-cased
enum       a value of the row's mapping table for      the mapped canonical value
           the source system, or a canonical value
=========  ==========================================  ====================================

Example::

    canonicalize(policy.fields["care_stage"], policy, "crm", "Active Patient")   # -> "in_care"

Messages name the field, the expected form and the table, never the value (no PHI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from splitbrain.engine.domain.decisions import RejectReason
from splitbrain.engine.domain.errors import PolicyIncomplete
from splitbrain.engine.domain.policy import FieldPolicy, Policy, ValueKind

__all__ = ["Invalid", "canonicalize"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE = re.compile(r"\+?[0-9 ().\-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_BOOLEANS = {
    "true": "true",
    "yes": "true",
    "1": "true",
    "false": "false",
    "no": "false",
    "0": "false",
}
_EXPECTED = {
    ValueKind.STRING: "a non-blank text",
    ValueKind.DATE: "an ISO calendar date (YYYY-MM-DD)",
    ValueKind.BOOLEAN: "a boolean (true/false, yes/no or 1/0)",
    ValueKind.PHONE: "a phone number (7 to 15 digits, optional leading +)",
    ValueKind.EMAIL: "an email address (one @ and a dotted domain, no spaces)",
}


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a value was refused: ``INVALID`` or ``UNMAPPED_ENUM_VALUE``, in plain words."""

    reason: RejectReason
    explanation: str


def canonicalize(
    field: FieldPolicy, policy: Policy, system: str, value: str | None
) -> str | Invalid | None:
    """The canonical form of ``value`` sent by ``system`` for ``field``, or why it has none.

    Raises :class:`PolicyIncomplete` when an enum row names no table, or a table the policy
    lacks: that is a broken policy, not a bad write.
    """
    if value is None:
        return None
    kind = field.kind
    if kind is ValueKind.ENUM:
        return _map_enum(field, policy, system, value)
    text = value.strip()
    if text and kind is ValueKind.STRING:
        return text
    canonical = _CHECKS[kind](text) if text else None
    if canonical is None:
        return Invalid(
            RejectReason.INVALID,
            f"field {field.name!r} expects {_EXPECTED[field.kind]}; the value {system} sent is "
            f"not one. Send null to clear the field (matrix {policy.label}, row {field.name})",
        )
    return canonical


def _map_enum(field: FieldPolicy, policy: Policy, system: str, value: str) -> str | Invalid:
    table = policy.enums.get(field.enum) if field.enum is not None else None
    if table is None:
        raise PolicyIncomplete(
            f"row {field.name!r} of matrix {policy.label} is an enum but names no mapping table "
            f"the policy holds (enum: {field.enum!r}); add the table to the matrix's enums"
        )
    canonical = table.to_canonical(system, value)
    if canonical is None:
        return Invalid(
            RejectReason.UNMAPPED_ENUM_VALUE,
            f"field {field.name!r} expects a value of enum table {table.name!r}; the value "
            f"{system} sent has no mapping for {system} in that table. Add it to the table or fix "
            f"the source (matrix {policy.label}, row {field.name})",
        )
    return canonical


def _date(text: str) -> str | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _boolean(text: str) -> str | None:
    return _BOOLEANS.get(text.lower())


def _phone(text: str) -> str | None:
    if not _PHONE.fullmatch(text):
        return None
    digits = sum(ch.isdigit() for ch in text)
    return text if 7 <= digits <= 15 else None


def _email(text: str) -> str | None:
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        return None
    local, _, domain = text.partition("@")
    return f"{local}@{domain.lower()}"


_CHECKS = {
    ValueKind.DATE: _date,
    ValueKind.BOOLEAN: _boolean,
    ValueKind.PHONE: _phone,
    ValueKind.EMAIL: _email,
}
