"""One source record's identity data, already normalized (DESIGN §5).

Values arrive normalized by the adapters (``engine/adapters/identity/normalize.py``): phone in
E.164, email casefolded, names Unicode-folded and lower-cased, dates ISO ``YYYY-MM-DD``.
A missing value is ``None``, never ``""``: two empty strings must not compare as equal, so the
constructor refuses ``""`` (and whitespace-only strings).

>>> r = IdentityRecord("ehr", "ehr-1", given="ana", family="garcia", date_of_birth="1980-02-03")
>>> r.key
RecordKey(source_system='ehr', source_record_id='ehr-1')
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

from splitbrain.engine.domain.identity.errors import EmptyIdentityValue

__all__ = ["IDENTITY_FIELDS", "IdentityRecord", "RecordKey"]

IDENTITY_FIELDS: tuple[str, ...] = (
    "identifier",
    "given",
    "family",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line",
    "city",
    "postcode",
    "state",
)
"""The compared fields, in the order explanations list them."""


class RecordKey(NamedTuple):
    """Which system's record this is: the identity index's primary key."""

    source_system: str
    source_record_id: str

    def __str__(self) -> str:
        return f"{self.source_system}/{self.source_record_id}"


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """A record as the matcher sees it; every value normalized or ``None``."""

    source_system: str
    source_record_id: str
    identifier: str | None = None
    given: str | None = None
    family: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    phone: str | None = None
    email: str | None = None
    address_line: str | None = None
    city: str | None = None
    postcode: str | None = None
    state: str | None = None

    def __post_init__(self) -> None:
        for name in ("source_system", "source_record_id"):
            if not getattr(self, name).strip():
                raise EmptyIdentityValue(
                    f"IdentityRecord.{name} is empty; every record needs its system and record id"
                )
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            if value is not None and not value.strip():
                raise EmptyIdentityValue(
                    f"field {f.name!r} of record {self.source_system}/{self.source_record_id} "
                    "is an empty string; a missing value is None (normalize it first)"
                )

    @property
    def key(self) -> RecordKey:
        return RecordKey(self.source_system, self.source_record_id)

    def value(self, field: str) -> str | None:
        """The value of one of :data:`IDENTITY_FIELDS`."""
        result: str | None = getattr(self, field)
        return result

    def present(self) -> tuple[str, ...]:
        """The identity fields that hold a value."""
        return tuple(f for f in IDENTITY_FIELDS if getattr(self, f) is not None)
