"""The divergence model: how one system's copy of a person differs from the truth.

Each copy starts as the truth and each divergence kind is drawn independently at its rate
from :class:`DivergenceConfig`, where applicable, in this order: ``romanized`` (a non-Latin
name in Latin letters), ``married_name`` (the former family name), ``ascii_fold`` (accents,
apostrophes, hyphens lost), ``nickname`` (the preferred name where the given name belongs),
``name_case`` (family name in capitals), ``moved`` (the previous address), ``date_swap`` (day
and month swapped), ``phone_format`` (the number as a typist wrote it instead of the system's
house format), ``typo`` (one insert, delete, substitute or transpose in a Latin-script given or
family name, the email's local part or the address line) and ``missing`` (one optional field
left empty). Every applied kind is recorded in ``SystemRecord.divergences``
(``typo:family:transpose``, ``missing:email``) and changes the copy, so the ground truth
explains every difference. A CRM lead holds no date of birth or address at all (a lead form
asks for neither); that absence is structural, not a divergence.
"""

from __future__ import annotations

import random
from datetime import date

from simulators.population.config import DivergenceConfig
from simulators.population.identifiers import SyntheticIds
from simulators.population.model import Address, Person, SystemRecord
from simulators.population.phones import FORMATS, WRITERS
from simulators.population.sampling import pick
from simulators.population.scripts import ascii_fold
from simulators.population.typos import typo

__all__ = ["HOUSE_PHONE_FORMAT", "MISSABLE_FIELDS", "VariantModel"]

#: How each system writes phone numbers when nobody typed them differently.
HOUSE_PHONE_FORMAT: dict[str, str] = {"ehr": "paren", "crm": "e164", "portal": "dashed"}
#: The fields each system lets stay empty.
MISSABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "ehr": ("phone", "email", "address", "language", "ssn", "preferred_name", "sex"),
    "crm": ("phone", "email", "address", "birth_date", "language"),
    "portal": ("phone", "address", "language", "sex"),
}
_FORCEABLE = ("typo", "missing", "nickname", "date_swap")
_OTHER_FORMATS = {house: [s for s in FORMATS if s != house] for house in FORMATS}


class VariantModel:
    """Makes each system's records of a person, duplicates included."""

    __slots__ = ("_cfg", "_duplicates", "_ids", "_name_rates", "_rates", "_rng", "_systems")

    def __init__(self, config: DivergenceConfig, rng: random.Random, ids: SyntheticIds) -> None:
        self._cfg, self._rng, self._ids = config, rng, ids
        self._duplicates = {s: config.duplicates(s) for s in HOUSE_PHONE_FORMAT}
        # per system: its record-id issuer, house phone format and the formats a typist uses
        self._systems = {
            s: (ids.record_ids(s), style, _OTHER_FORMATS[style])
            for s, style in HOUSE_PHONE_FORMAT.items()
        }
        # the rates read for every copy, unpacked once (a copy is the generator's hot loop)
        self._rates = (config.moved, config.date_swap, config.phone_format, config.typo)
        self._name_rates = (
            config.romanized,
            config.married_name,
            config.ascii_fold,
            config.nickname,
            config.name_case,
        )

    def records(self, person: Person, systems: tuple[str, ...]) -> tuple[SystemRecord, ...]:
        out: list[SystemRecord] = []
        birth = person.birth_date
        born = birth.isoformat()
        swappable = birth.day <= 12 and birth.day != birth.month  # _swappable(), inlined
        rand, duplicates = self._rng.random, self._duplicates
        given, family = person.given, person.family
        non_latin = (given is not person.given_latin and given != person.given_latin) or (
            family is not person.family_latin and family != person.family_latin
        )
        copy = self._copy
        for system in systems:
            out.append(copy(person, system, born, swappable, None, non_latin))
            if rand() < duplicates[system]:
                force = self._forced_kind(person, system)
                out.append(copy(person, system, born, swappable, force, non_latin))
        return tuple(out)

    def _forced_kind(self, person: Person, system: str) -> str:
        kinds = [k for k in _FORCEABLE if k != "nickname" or person.preferred_name]
        if not _swappable(person.birth_date) or _lead_in_crm(person, system):
            kinds.remove("date_swap")
        return pick(self._rng, kinds)

    def _copy(  # noqa: PLR0917  (the hot loop: per-person values are computed once, passed in)
        self,
        person: Person,
        system: str,
        born: str,
        swappable: bool,
        force: str | None,
        non_latin: bool,
    ) -> SystemRecord:
        rng = self._rng
        rand = rng.random
        moved, date_swap, phone_format, typo_rate = self._rates
        issue, style, other_styles = self._systems[system]
        ehr = system == "ehr"
        labels: list[str] = []
        given, family = self._names(person, labels, force, non_latin)
        lead = system == "crm" and person.stage == "lead"  # a lead form asks neither
        address: Address | None = None if lead else person.address
        if not lead and person.previous_address is not None and rand() < moved:
            address = person.previous_address
            labels.append("moved")
        if swappable and not lead and (force == "date_swap" or rand() < date_swap):
            born = f"{born[:4]}-{born[8:]}-{born[5:7]}"
            labels.append("date_swap")
        if rand() < phone_format:
            style = other_styles[int(rand() * len(other_styles))]
            labels.append("phone_format")
        record = SystemRecord(
            system,
            issue(),
            person.gt_id,
            given,
            family,
            person.preferred_name,
            None if lead else born,
            person.sex,
            WRITERS[style](person.phone),  # format_phone(), inlined
            person.email,
            address,
            person.language,
            self._ids.mrn() if ehr else None,
            person.ssn if ehr else None,
            person.clinical if ehr else None,
            person.crm if system == "crm" else None,
            person.portal if system == "portal" else None,
            force is not None,
        )
        if force == "typo" or rand() < typo_rate:
            _typo(rng, record, labels)
        if force == "missing" or rand() < self._cfg.missing:
            _drop_one(rng, record, labels)
        record.divergences = tuple(labels)
        return record

    def _names(
        self, person: Person, labels: list[str], force: str | None, non_latin: bool
    ) -> tuple[str, str]:
        rand = self._rng.random
        romanized, married_name, folding, nickname, name_case = self._name_rates
        given, family, former = person.given, person.family, person.former_family
        if non_latin and rand() < romanized:
            given, family = person.given_latin, person.family_latin
            former = person.former_family_latin
            labels.append("romanized")
        if former is not None and rand() < married_name:
            family = former
            labels.append("married_name")
        if rand() < folding:
            folded = ascii_fold(given), ascii_fold(family)
            if folded != (given, family):
                given, family = folded
                labels.append("ascii_fold")
        if person.preferred_name and (force == "nickname" or rand() < nickname):
            given = person.preferred_name
            labels.append("nickname")
        if rand() < name_case and family.upper() != family:
            family = family.upper()
            labels.append("name_case")
        return given, family


def _lead_in_crm(person: Person, system: str) -> bool:
    """A lead form asks no date of birth or address: the CRM holds neither for a lead."""
    return system == "crm" and person.stage == "lead"


def _swappable(born: date) -> bool:
    return born.day <= 12 and born.day != born.month


def _is_latin(text: str) -> bool:
    return all(ch.isascii() or ch.isspace() or "\u00c0" <= ch <= "\u024f" for ch in text)


def _typo(rng: random.Random, record: SystemRecord, labels: list[str]) -> None:
    """One typing mistake in a Latin-script name, the email's local part or the address line."""
    names = [f for f in ("given", "family") if _is_latin(getattr(record, f))]
    address = record.address
    target = pick(rng, [*names, *names, "email", *(["address_line"] * (address is not None))])
    if target in ("given", "family"):
        text, op = typo(getattr(record, target), rng)
        setattr(record, target, text)
    elif target == "email":
        local, _, domain = (record.email or "").partition("@")
        local, op = typo(local, rng)
        record.email = f"{local}@{domain}"
    else:
        assert address is not None
        line, op = typo(address.line, rng)
        record.address = Address(line, address.city, address.state, address.postcode)
    labels.append(f"typo:{target}:{op}")


def _drop_one(rng: random.Random, record: SystemRecord, labels: list[str]) -> None:
    present = [f for f in MISSABLE_FIELDS[record.system] if getattr(record, f) is not None]
    if present:
        field = pick(rng, present)
        setattr(record, field, None)
        labels.append(f"missing:{field}")
