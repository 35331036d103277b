from __future__ import annotations

import pytest

from splitbrain.engine.adapters.identity.normalize import Normalizer

N = Normalizer()


@pytest.mark.parametrize(
    "raw",
    ["(212) 555-0142", "+1-212-555-0142", "212.555.0142", "212-555-0142", "2125550142",
     "1 (212) 555-0142", "+12125550142", " +1 212 555 0142 "],
)  # fmt: skip
def test_every_written_form_of_a_phone_is_one_e164_number(raw: str) -> None:
    assert N.phone(raw) == "+12125550142"


def test_phones_use_the_declared_default_region() -> None:
    assert Normalizer(default_region="GB").phone("020 7946 0018") == "+442079460018"
    assert N.phone("not a phone") is None
    assert N.phone("") is None


def test_emails_are_trimmed_and_casefolded_and_need_an_at() -> None:
    assert N.email("  Ana.Okafor@Example.ORG ") == "ana.okafor@example.org"
    assert N.email("ana.okafor") is None


def test_names_are_folded_without_marks_punctuation_titles_or_other_scripts() -> None:
    assert N.name("José O'Brien-Núñez") == "jose obrien nunez"
    assert N.name("  Dr. ANA  Okafor Jr ") == "ana okafor"
    assert N.name("Щукина") == "shchukina"
    assert N.name("王") == "wang"
    assert N.name("---") is None


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("19840709", "1984-07-09"), ("1984-07-09", "1984-07-09"), ("07/09/1984", "1984-07-09"),
     ("7/9/1984", "1984-07-09"), ("1984-07-09T00:00:00Z", "1984-07-09"),
     ("1984/07/09", "1984-07-09")],
)  # fmt: skip
def test_dates_come_in_common_forms_and_leave_as_iso(raw: str, iso: str) -> None:
    assert N.date(raw) == iso


def test_slashed_dates_follow_the_declared_order_and_impossible_dates_are_none() -> None:
    assert Normalizer(date_order="DMY").date("07/09/1984") == "1984-09-07"
    assert N.date("13/13/1984") is None
    assert N.date("1984-02-30") is None
    assert N.date("yesterday") is None


def test_addresses_are_tidied() -> None:
    assert N.address_line("12 North Main Street, Apt. #4") == "12 n main st apt 4"
    assert N.address_line("12 N. Main St") == "12 n main st"
    assert N.postcode("62701-1234") == "62701"
    assert N.postcode("sw1a 1aa") == "SW1A1AA"
    assert N.state("Illinois") == "IL"
    assert N.state("il") == "IL"
    assert N.city("  Saint-Louis ") == "saint louis"


def test_sex_and_identifiers() -> None:
    assert N.sex("F") == "female" and N.sex("Male") == "male" and N.sex("unknown") is None
    assert N.identifier(" 123-45-6789 ") == "123456789"


def test_the_record_builder_normalizes_every_field() -> None:
    record = N.record("crm", "c-1", given="ANA", phone="(212) 555-0142", email="")

    assert record.given == "ana" and record.phone == "+12125550142"
    assert record.email is None
