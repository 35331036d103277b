"""How each system's record fields map onto the ownership matrix's fields.

A history names a system's own fields (``Contact/con-1`` field ``birth_date``; ``Patient/p1``
element ``birthDate``); the matrix names canonical fields (``date_of_birth``). A binding says,
per system:

- which record kind holds a person (``Contact``, ``Patient``, ``Account``);
- which local field carries which matrix field, and whether its value is stored in the
  canonical JSON form (``comparable``: equal values give equal value ids across systems, so
  divergence and lineage can be judged) or as a local enum name (``enum``: mapped through the
  matrix's enum table before comparing); a field kept as one entry of a JSON map (the CRM's
  ``custom`` map) names that entry (``entry``);
- which local fields identify a person (names, birth date, contact points): a record the SUT
  creates is attributed to the person whose values it copies;
- which local fields link a record to a person on their own (a token, a FHIR identifier);
- which record kinds point at a person record through an id field (``Preferences.account_id``);
- the prefix of local consent flags (the CRM's ``consents.HMARKT.sms``).

:data:`SIMULATOR_BINDINGS` describes the shipped simulators under the telehealth matrix::

    SIMULATOR_BINDINGS.of("crm").fields["birth_date"].field    # "date_of_birth"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["SIMULATOR_BINDINGS", "Bindings", "FieldBinding", "SystemBinding"]


@dataclass(frozen=True, slots=True)
class FieldBinding:
    """A local field that carries matrix field ``field``."""

    field: str
    comparable: bool = True
    """The value is stored in its canonical JSON form: equal values, equal value ids."""
    enum: bool = False
    """The value is one of the system's local enum names (the matrix's enum table maps it)."""
    entry: str | None = None
    """The local field is a JSON map and the matrix field is its entry of this name (the CRM's
    ``custom.contact_preference``). Histories hash the whole map, so only a map holding that
    entry alone can be read (``EnumIds`` knows ``value_id({entry: word})`` of every word); any
    other map is an unknown value, never compared."""
    kind: str | None = None
    """The record kind holding the field when it is not the person record (the portal's
    ``Preferences``): the person record never holds it, so it is not compared there."""


@dataclass(frozen=True, slots=True)
class SystemBinding:
    person_kind: str
    fields: Mapping[str, FieldBinding] = field(default_factory=dict)
    identity: frozenset[str] = frozenset()
    references: Mapping[str, str] = field(default_factory=dict)
    """``{record kind: local field holding the id of the person record}``."""
    consent_flags: str | None = None
    """Prefix of local consent flag fields: ``consents.`` + ``PURPOSE.channel``."""
    server_fields: frozenset[str] = frozenset()
    """Fields the system stamps itself on every write (FHIR ``meta``): no writer changes them."""
    links: frozenset[str] = frozenset()
    """Fields whose value names one person on its own (a pseudonymous token such as the CRM's
    ``patient_ref``, a FHIR ``identifier`` list): a record carrying the value of an attributed
    record's link field is that person's."""


@dataclass(frozen=True, slots=True)
class Bindings:
    """Every system's binding, and which system's consent operations are the consent truth."""

    systems: Mapping[str, SystemBinding]
    consent_system: str = "portal"
    """The system whose ``consent.grant|revoke|expire`` operations (field ``PURPOSE:channel``)
    record what the patient decided."""

    def of(self, system: str) -> SystemBinding | None:
        return self.systems.get(system)

    def person_kinds(self) -> dict[str, str]:
        return {system: binding.person_kind for system, binding in self.systems.items()}


_NAME = FieldBinding("legal_name", comparable=False)

SIMULATOR_BINDINGS = Bindings(
    systems={
        "ehr": SystemBinding(
            person_kind="Patient",
            fields={"name": _NAME, "birthDate": FieldBinding("date_of_birth")},
            identity=frozenset({"name", "birthDate", "telecom", "identifier"}),
            server_fields=frozenset({"resourceType", "id", "meta"}),
            links=frozenset({"identifier"}),
        ),
        "crm": SystemBinding(
            person_kind="Contact",
            fields={
                "first_name": _NAME,
                "last_name": _NAME,
                "birth_date": FieldBinding("date_of_birth"),
                "lead_source": FieldBinding("lead_source"),
                "stage": FieldBinding("care_stage", enum=True),
                "campaign": FieldBinding("campaign_attribution", comparable=False),
                "custom": FieldBinding("contact_preference", enum=True, entry="contact_preference"),
            },
            identity=frozenset({"first_name", "last_name", "email", "phone", "birth_date"}),
            references={"Lead": "contact_id", "Case": "contact_id", "Task": "contact_id"},
            consent_flags="consents.",
            links=frozenset({"patient_ref"}),
        ),
        "portal": SystemBinding(
            person_kind="Account",
            fields={
                "given_name": _NAME,
                "family_name": _NAME,
                "birth_date": FieldBinding("date_of_birth"),
                "preferred_channel": FieldBinding(
                    "contact_preference", enum=True, kind="Preferences"
                ),
            },
            identity=frozenset({"given_name", "family_name", "email", "phone", "birth_date"}),
            references={"Preferences": "account_id", "Intake": "account_id"},
        ),
    }
)
