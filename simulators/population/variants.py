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
from simulators.population.phones import FORMATS, format_phone
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

    __slots__ = ("_cfg", "_duplicates", "_ids", "_rng")

    def __init__(self, config: DivergenceConfig, rng: random.Random, ids: SyntheticIds) -> None:
        self._cfg, self._rng, self._ids = config, rng, ids
        self._duplicates = {s: config.duplicates(s) for s in HOUSE_PHONE_FORMAT}

    def records(self, person: Person, systems: tuple[str, ...]) -> tuple[SystemRecord, ...]:
        out: list[SystemRecord] = []
        born = person.birth_date.isoformat()
        swappable = _swappable(person.birth_date)
        for system in systems:
            out.append(self._copy(person, system, born, swappable, None))
            if self._rng.random() < self._duplicates[system]:
                force = self._forced_kind(person, system)
                out.append(self._copy(person, system, born, swappable, force))
        return tuple(out)

    def _forced_kind(self, person: Person, system: str) -> str:
        kinds = [k for k in _FORCEABLE if k != "nickname" or person.preferred_name]
        if not _swappable(person.birth_date) or _lead_in_crm(person, system):
            kinds.remove("date_swap")
        return pick(self._rng, kinds)

    def _copy(
        self, person: Person, system: str, born: str, swappable: bool, force: str | None
    ) -> SystemRecord:
        cfg, rng, ehr = self._cfg, self._rng, system == "ehr"
        labels: list[str] = []
        given, family = self._names(person, labels, force)
        lead = _lead_in_crm(person, system)
        address: Address | None = None if lead else person.address
        if not lead and person.previous_address is not None and rng.random() < cfg.moved:
            address = person.previous_address
            labels.append("moved")
        if swappable and not lead and (force == "date_swap" or rng.random() < cfg.date_swap):
            born = f"{born[:4]}-{born[8:]}-{born[5:7]}"
            labels.append("date_swap")
        style = HOUSE_PHONE_FORMAT[system]
        if rng.random() < cfg.phone_format:
            style = pick(rng, _OTHER_FORMATS[style])
            labels.append("phone_format")
        record = SystemRecord(
            system=system,
            record_id=self._ids.record_id(system),
            gt_id=person.gt_id,
            given=given,
            family=family,
            preferred_name=person.preferred_name,
            birth_date=None if lead else born,
            sex=person.sex,
            phone=format_phone(person.phone, style),
            email=person.email,
            address=address,
            language=person.language,
            mrn=self._ids.mrn() if ehr else None,
            ssn=person.ssn if ehr else None,
            clinical=person.clinical if ehr else None,
            crm=person.crm if system == "crm" else None,
            portal=person.portal if system == "portal" else None,
            duplicate=force is not None,
        )
        if force == "typo" or rng.random() < cfg.typo:
            _typo(rng, record, labels)
        if force == "missing" or rng.random() < cfg.missing:
            _drop_one(rng, record, labels)
        record.divergences = tuple(labels)
        return record

    def _names(self, person: Person, labels: list[str], force: str | None) -> tuple[str, str]:
        cfg, rng = self._cfg, self._rng
        given, family, former = person.given, person.family, person.former_family
        non_latin = given != person.given_latin or family != person.family_latin
        if non_latin and rng.random() < cfg.romanized:
            given, family = person.given_latin, person.family_latin
            former = person.former_family_latin
            labels.append("romanized")
        if former is not None and rng.random() < cfg.married_name:
            family = former
            labels.append("married_name")
        if rng.random() < cfg.ascii_fold:
            folded = ascii_fold(given), ascii_fold(family)
            if folded != (given, family):
                given, family = folded
                labels.append("ascii_fold")
        if person.preferred_name and (force == "nickname" or rng.random() < cfg.nickname):
            given = person.preferred_name
            labels.append("nickname")
        if rng.random() < cfg.name_case and family.upper() != family:
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
