"""Field types of the record APIs' request bodies (CRM, portal), as pydantic annotations.

A body model subclasses ``RecordFields``: unknown fields are refused (422 naming the field) and
``fields()`` is what the client actually sent, so a create takes what was sent plus defaults
and a PATCH changes exactly the fields sent (``null`` clears one)::

    class AccountFields(RecordFields):
        email: Email | None = None
        address: Address | None = None
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["Address", "Email", "ExternalId", "Ident", "Name", "Phone", "RecordFields", "Text"]

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+().\- ]+$")]


class RecordFields(BaseModel):
    """Base: unknown fields are refused; ``fields()`` is what the client actually sent."""

    model_config = ConfigDict(extra="forbid")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class ExternalId(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,31}$")]
    value: Ident


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: Text | None = None
    city: Name | None = None
    state: Name | None = None
    postcode: Annotated[str, StringConstraints(max_length=16)] | None = None
