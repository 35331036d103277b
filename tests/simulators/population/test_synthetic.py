"""Everything generated is obviously synthetic: phones, emails, identifiers, canaries."""

from __future__ import annotations

import hashlib
import re

import phonenumbers

from simulators.population import (
    CANARY_FIELDS,
    CANARY_PATTERN,
    EMAIL_DOMAINS,
    PersonEntry,
    canaries,
    canary_token,
    find_canaries,
    is_fictitious,
    is_invalid_ssn,
    is_synthetic_email,
)
from simulators.population.phones import FORMATS, POPULATION_PHONES, WRITERS

FICTITIOUS_NATIONAL = re.compile(r"^[2-9][0-8]\d55501\d\d$")


def test_every_phone_in_every_format_is_in_the_555_0100_to_0199_range(
    population: list[PersonEntry],
) -> None:
    phones = [r.phone for e in population for r in e.records if r.phone is not None]

    parsed = [phonenumbers.parse(p, "US") for p in phones]

    assert len(phones) > 10_000
    assert all(FICTITIOUS_NATIONAL.match(str(n.national_number)) for n in parsed)
    assert all(n.country_code == 1 for n in parsed)


def test_each_record_phone_is_the_persons_phone_in_some_format(
    population: list[PersonEntry],
) -> None:
    pairs = [(e.person.phone, r.phone) for e in population for r in e.records if r.phone]

    normalized = {
        (truth, phonenumbers.format_number(phonenumbers.parse(seen, "US"), 0))
        for truth, seen in pairs
    }

    assert all(truth == seen for truth, seen in normalized)
    assert len({seen for _, seen in pairs if seen.startswith("(")}) > 0
    assert len({seen for _, seen in pairs if seen.startswith("+1-")}) > 0


def test_ground_truth_phones_are_fictitious_e164(population: list[PersonEntry]) -> None:
    assert all(is_fictitious(e.person.phone) for e in population)


def test_every_email_is_at_an_example_domain(population: list[PersonEntry]) -> None:
    emails = [r.email for e in population for r in e.records if r.email is not None]

    assert {e.rpartition("@")[2] for e in emails} == set(EMAIL_DOMAINS)
    assert all(is_synthetic_email(e) for e in emails)


def test_ssn_like_numbers_can_never_be_valid(population: list[PersonEntry]) -> None:
    ssns = [e.person.ssn for e in population]

    assert all(is_invalid_ssn(s) for s in ssns)
    assert all(s[:3] in ("000", "666") for s in ssns)
    assert len(set(ssns)) == len(ssns)


def test_mrns_carry_the_syn_prefix_and_are_unique(population: list[PersonEntry]) -> None:
    mrns = [r.mrn for e in population for r in e.records if r.system == "ehr"]

    assert all(m is not None and re.fullmatch(r"SYN-\d{8}", m) for m in mrns)
    assert len(set(mrns)) == len(mrns)


def test_a_real_looking_ssn_is_not_taken_for_synthetic() -> None:
    assert not is_invalid_ssn("123-45-6789")
    assert is_invalid_ssn("123-00-6789")
    assert is_invalid_ssn("123-45-0000")


def test_every_person_in_care_carries_their_canary_in_both_restricted_fields(
    population: list[PersonEntry],
) -> None:
    clinical = [e.person for e in population if e.person.clinical is not None]

    assert clinical
    for p in clinical:
        assert p.clinical is not None
        assert find_canaries(p.clinical.diagnosis_note) == [p.canary]
        assert find_canaries(p.clinical.medication_plan) == [p.canary]


def test_canaries_lists_each_planted_canary_once_per_field(
    population: list[PersonEntry],
) -> None:
    listed = canaries(population)
    clinical = [e.person for e in population if e.person.clinical is not None]

    assert len(listed) == len(clinical) * len(CANARY_FIELDS)
    assert {c.field for c in listed} == set(CANARY_FIELDS)
    assert all(CANARY_PATTERN.fullmatch(c.token) for c in listed)


def test_canaries_are_deterministic_per_seed_and_person() -> None:
    assert canary_token(7, "gt_000001") == canary_token(7, "gt_000001")
    assert canary_token(7, "gt_000001") != canary_token(8, "gt_000001")
    assert canary_token(7, "gt_000001") != canary_token(7, "gt_000002")


def test_no_canary_appears_in_crm_or_portal_records(population: list[PersonEntry]) -> None:
    texts = [repr(r) for e in population for r in e.records if r.system in ("crm", "portal")]

    assert not any(find_canaries(t) for t in texts)


def test_canary_tokens_are_distinct_between_persons(population: list[PersonEntry]) -> None:
    tokens = [e.person.canary for e in population]

    assert len(set(tokens)) == len(tokens)


def test_each_phone_writer_matches_its_format_template() -> None:
    numbers = [POPULATION_PHONES[i] for i in range(0, len(POPULATION_PHONES), 97)]

    mismatched = [
        (number, style)
        for number in numbers
        for style, template in FORMATS.items()
        if WRITERS[style](number) != template.format(number[2:5], number[5:8], number[8:])
    ]

    assert set(WRITERS) == set(FORMATS)
    assert mismatched == []


def test_the_fast_sha256_gives_the_hashlib_canary() -> None:
    expected = hashlib.sha256(b"population-canary:7:gt_000001").hexdigest()[:12]

    assert canary_token(7, "gt_000001") == f"CANARY-{expected}"
