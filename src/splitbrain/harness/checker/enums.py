"""Enum values as value ids: the matrix's mapping tables, hashed the way histories hash values.

Histories hold ``value_id(value)``, never the value, so a CRM stage ``"Active Patient"`` shows
as ``v:…``. This table maps the value id of every local and canonical enum value to its
canonical value, so the checker can compare a CRM stage with an EHR stage, or tell a person's
stage from a stage write::

    ids = EnumIds(policy)
    ids.canonical("care_stage", value_id("Active Patient"))     # "in_care"

A field kept as one entry of a JSON map (the CRM's ``custom.contact_preference``) shows as the
value id of the whole map; the map holding that entry alone is known too::

    ids.canonical("contact_preference", value_id({"contact_preference": "Text"}),
                  entry="contact_preference")                        # "sms"
"""

from __future__ import annotations

from simulators._shared.history import value_id
from splitbrain.engine.domain.policy import Policy

__all__ = ["FALSE_ID", "TRUE_ID", "EnumIds"]

TRUE_ID = value_id(True)
FALSE_ID = value_id(False)


class EnumIds:
    """``{enum name: {value id of a local or canonical value: canonical value}}``."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._tables = {name: self._table(name, None) for name in policy.enums}
        self._entries: dict[tuple[str, str], dict[str, str]] = {}

    def canonical(
        self, enum: str | None, value: str | None, entry: str | None = None
    ) -> str | None:
        """The canonical value a value id stands for, or None when it is no value of ``enum``
        (with ``entry``: of a map holding ``{entry: value}`` alone)."""
        if enum is None or value is None:
            return None
        if entry is None:
            table = self._tables.get(enum)
        else:
            table = self._entries.get((enum, entry))
            if table is None and enum in self._tables:
                table = self._entries[(enum, entry)] = self._table(enum, entry)
        return None if table is None else table.get(value)

    def _table(self, name: str, entry: str | None) -> dict[str, str]:
        mapping = self._policy.enums[name]

        def vid(word: str) -> str:
            return value_id(word if entry is None else {entry: word})

        table = {vid(value): value for value in mapping.canonical}
        for local_values in mapping.by_system.values():
            for local, canonical in local_values.items():
                table.setdefault(vid(local), canonical)
        return table
