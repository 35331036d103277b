"""Hypothesis strategies for a team's own property tests (public as ``splitbrain.strategies``).

::

    from hypothesis import given
    from splitbrain.strategies import consent_changes, persons, writes

    @given(persons(), consent_changes())
    def test_...(person, change): ...

- ``persons()``: synthetic people (obviously fake: 555-01xx phones, example.* mail, dates in
  the past), with the request bodies each simulator takes to create them;
- ``writes(policy)``: ``Write`` values against an ownership matrix, by the row's own writers
  and by anyone, on a base version or blind, so sequences mix applied, refused, stale and
  escalated writes (what the reference engine's ``decide`` judges);
- ``consent_changes()``: a patient granting or revoking one purpose on one channel, with the
  portal path and body.

Hypothesis is a test dependency: ``pip install 'splitbrain[dev]'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from hypothesis import strategies as st

from simulators._shared.vocabulary import CHANNELS, PURPOSES
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import Write

__all__ = ["ConsentChange", "SyntheticPerson", "consent_changes", "persons", "writes"]

_GIVEN = ("Ana", "Bea", "Cy", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Juno")
_FAMILY = ("Quill", "Stone", "Marsh", "Okafor", "Lindqvist", "Garcia Lopez", "Nakamura", "Wren")
_DOMAINS = ("example.org", "example.net", "example.com")
_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_SYSTEMS = ("ehr", "crm", "portal")


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    given: str
    family: str
    birth_date: date
    email: str
    phone: str

    def portal_account(self) -> dict[str, Any]:
        """The body of ``POST /accounts`` (portal)."""
        return {"given_name": self.given, "family_name": self.family, "email": self.email,
                "birth_date": self.birth_date.isoformat(), "phone": self.phone}  # fmt: skip

    def crm_contact(self) -> dict[str, Any]:
        """The body of ``POST /contacts`` (CRM)."""
        return {"first_name": self.given, "last_name": self.family, "email": self.email,
                "birth_date": self.birth_date.isoformat(), "phone": self.phone}  # fmt: skip

    def fhir_patient(self) -> dict[str, Any]:
        """A FHIR R4 Patient for ``POST /Patient`` (EHR)."""
        return {
            "resourceType": "Patient", "birthDate": self.birth_date.isoformat(),
            "name": [{"given": [self.given], "family": self.family}],
            "telecom": [{"system": "email", "value": self.email},
                        {"system": "phone", "value": self.phone}],
        }  # fmt: skip


@st.composite
def _person(draw: st.DrawFn) -> SyntheticPerson:
    given, family = draw(st.sampled_from(_GIVEN)), draw(st.sampled_from(_FAMILY))
    number = draw(st.integers(0, 99))
    local = f"{given}.{family}".lower().replace(" ", "-")
    return SyntheticPerson(
        given=given,
        family=family,
        birth_date=draw(st.dates(date(1930, 1, 1), date(2008, 12, 31))),
        email=f"{local}{number}@{draw(st.sampled_from(_DOMAINS))}",
        phone=f"+1-{draw(st.sampled_from(('212', '312', '415')))}-555-01{number:02d}",
    )


def persons() -> st.SearchStrategy[SyntheticPerson]:
    """Synthetic people; names collide often, contact points rarely."""
    return _person()


@dataclass(frozen=True, slots=True)
class ConsentChange:
    action: Literal["grant", "revoke"]
    purpose: str
    channel: str

    def path(self, account_id: str) -> str:
        """The portal path: ``/accounts/{id}/consents/grant`` or ``.../revoke``."""
        return f"/accounts/{account_id}/consents/{self.action}"

    def body(self) -> dict[str, str]:
        return {"purpose": self.purpose, "channel": self.channel}


def consent_changes(
    purposes: tuple[str, ...] = ("HMARKT", "HRESCH", "CAREMGT"),
) -> st.SearchStrategy[ConsentChange]:
    """Grants and revocations; a few purposes by default, so the same one is hit again."""
    unknown = sorted(set(purposes) - set(PURPOSES))
    if unknown:
        raise ValueError(f"unknown purposes {unknown}; use HL7 v3 PurposeOfUse codes, e.g. HMARKT")
    return st.builds(
        ConsentChange,
        action=st.sampled_from(("grant", "revoke")),
        purpose=st.sampled_from(purposes),
        channel=st.sampled_from(CHANNELS),
    )


def _writers(policy: Policy, field: str) -> list[tuple[str, str]]:
    """The (system, role) pairs the row itself names: owners and secondary writers."""
    row = policy.fields[field]
    roles = sorted(policy.roles) or ["support"]
    pairs: list[tuple[str, str]] = []
    for owner in row.owners:
        owner_roles = sorted(row.owner_roles) if row.owner_roles is not None else roles[:2]
        pairs += [(owner.system, role) for role in owner_roles]
    for writer in row.secondary:
        systems = [writer.system] if writer.system else list(_SYSTEMS)
        pairs += [(s, r) for s in systems for r in ([writer.role] if writer.role else roles[:1])]
    return pairs


@st.composite
def _write(draw: st.DrawFn, policy: Policy, fields: tuple[str, ...], own: bool) -> Write:
    field = draw(st.sampled_from(fields))
    own_pairs = _writers(policy, field)
    anyone = st.tuples(st.sampled_from(_SYSTEMS), st.sampled_from(sorted(policy.roles)))
    pair = st.sampled_from(own_pairs) if own_pairs else anyone
    system, role = draw(pair if own else pair | anyone)
    manual = draw(st.booleans())
    return Write(
        idempotency_key=f"k{draw(st.integers(0, 10**9))}",
        source_system=system,
        source_record=f"{system}-rec-1",
        person=draw(st.sampled_from(("per_0001", "per_0002"))),
        field=field,
        value=draw(st.none() | st.text("abcdefgh0123456789 ", min_size=1, max_size=12)),
        actor=f"usr_{role}",
        role=role,
        base_version=draw(st.none() | st.integers(0, 5)),
        occurred_at=_EPOCH + timedelta(minutes=draw(st.integers(0, 6))),
        provenance=draw(st.sampled_from(Provenance)),
        override_reason=draw(st.none() | st.just("clinical review")) if manual else None,
        manual=manual,
    )


def writes(
    policy: Policy, *, fields: tuple[str, ...] | None = None, own_writers_only: bool = False
) -> st.SearchStrategy[Write]:
    """Writes against ``policy`` (``load_policy("matrix.yaml")``): by the rows' own writers,
    and (unless ``own_writers_only``) by anyone; on a base version 0-5 or blind."""
    names = tuple(sorted(fields or policy.fields))
    missing = sorted(set(names) - set(policy.fields))
    if missing:
        raise ValueError(f"fields {missing} are not in matrix {policy.label}; pick its rows")
    return _write(policy, names, own_writers_only)
