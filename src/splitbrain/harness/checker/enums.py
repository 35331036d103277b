"""Enum values as value ids: the matrix's mapping tables, hashed the way histories hash values.

Histories hold ``value_id(value)``, never the value, so a CRM stage ``"Active Patient"`` shows
as ``v:…``. This table maps the value id of every local and canonical enum value to its
canonical value, so the checker can compare a CRM stage with an EHR stage, or tell a person's
stage from a stage write::

    ids = EnumIds(policy)
    ids.canonical("care_stage", value_id("Active Patient"))     # "in_care"
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
        self._tables: dict[str, dict[str, str]] = {}
        for name, mapping in policy.enums.items():
            table = {value_id(value): value for value in mapping.canonical}
            for local_values in mapping.by_system.values():
                for local, canonical in local_values.items():
                    table.setdefault(value_id(local), canonical)
            self._tables[name] = table

    def canonical(self, enum: str | None, value: str | None) -> str | None:
        """The canonical value a value id stands for, or None when it is no value of ``enum``."""
        if enum is None or value is None:
            return None
        table = self._tables.get(enum)
        return None if table is None else table.get(value)
