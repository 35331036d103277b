from __future__ import annotations

import pytest

from splitbrain.engine.adapters.identity.nicknames import NicknameTable
from splitbrain.engine.adapters.identity.similarity import jaro_winkler
from splitbrain.engine.domain.identity.comparisons import (
    NULL,
    Address,
    BirthDate,
    Email,
    Exact,
    OneEdit,
    PersonName,
    build_comparison,
    one_edit,
)
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.record import IdentityRecord as R

GIVEN = PersonName("given", "given", (0.92, 0.8), jaro_winkler, NicknameTable.default())
FAMILY = PersonName("family", "family", (0.92, 0.8), jaro_winkler)


def _given(a: str, b: str) -> str:
    return GIVEN.label(R("x", "1", given=a), R("y", "2", given=b))


def _family(a: str, b: str) -> str:
    return FAMILY.label(R("x", "1", family=a), R("y", "2", family=b))


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("abc", "abd", True),
        ("abc", "acb", True),
        ("abc", "ab", True),
        ("abc", "xabc", True),
        ("abcd", "badc", False),
        ("abc", "cba", False),
        ("abc", "abc", False),
        ("+12125550142", "+12125550124", True),
        ("+12125550142", "+13125550177", False),
    ],
)
def test_one_edit_is_one_substitution_insertion_deletion_or_adjacent_swap(
    left: str, right: str, expected: bool
) -> None:
    assert one_edit(left, right) is expected
    assert one_edit(right, left) is expected


def test_a_missing_value_on_either_side_is_null_and_weighs_nothing() -> None:
    assert FAMILY.level(R("x", "1", family="okafor"), R("y", "2")) == NULL
    assert FAMILY.label(R("x", "1"), R("y", "2")) == "null"


def test_name_levels_run_from_exact_through_nickname_and_fuzzy_to_else() -> None:
    assert _given("robert", "robert") == "exact"
    assert _given("bob", "robert") == "nickname"
    assert _given("liz", "beth") == "nickname"  # two nicknames of elizabeth
    assert _given("martha", "marhta") == "jw>=0.92"
    assert _given("amy", "ajy") == "jw>=0.92"  # one slip in a short name
    assert _given("robret", "bob") == "nickname"  # a nickname with a slip
    assert _given("albert", "alfred") != "nickname"  # al is both, but they are two names
    assert _given("natalie", "theresa") == "else"


def test_family_names_have_no_nickname_level_but_a_shared_part() -> None:
    assert "nickname" not in FAMILY.labels
    assert _family("garcia lopez", "garcia") == "part"
    assert _family("smith", "smtih") == "jw>=0.92"
    assert _family("okafor", "brown") == "else"


def test_dates_catch_day_month_swaps_and_one_digit_slips() -> None:
    dob = BirthDate("date_of_birth")

    def level(a: str, b: str) -> str:
        return dob.label(R("x", "1", date_of_birth=a), R("y", "2", date_of_birth=b))

    assert level("1984-07-09", "1984-07-09") == "exact"
    assert level("1984-07-09", "1984-09-07") == "day_month_swap"
    assert level("1984-07-09", "1984-07-08") == "one_digit"
    assert level("1984-07-09", "1948-07-09") == "one_digit"  # swapped digits
    assert level("1984-07-09", "1990-01-01") == "else"


def test_an_email_slip_in_a_letter_is_one_edit_but_another_number_is_another_account() -> None:
    email = Email("email", "email")

    def level(a: str, b: str) -> str:
        return email.label(R("x", "1", email=a), R("y", "2", email=b))

    assert level("ana.okafor@example.org", "ana.okafro@example.org") == "one_edit"
    assert level("john.smith.50@example.org", "john.smith.51@example.org") == "else"


def test_the_address_compares_line_postcode_and_city_as_one_place() -> None:
    address = Address("address", 0.88, jaro_winkler)
    home = R("x", "1", address_line="12 main st", postcode="62701", city="springfield")

    def level(**other: str) -> str:
        return address.label(home, R("y", "2", **other))

    assert level(address_line="12 main st", postcode="62701") == "exact"
    assert level(address_line="12 mian st", postcode="62701") == "line_fuzzy"
    assert level(address_line="9 elm st", postcode="62701") == "postcode"
    assert level(address_line="9 elm st", city="springfield") == "city"
    assert level(address_line="9 elm st", postcode="10001", city="new york") == "else"
    assert address.label(home, R("y", "2", state="IL")) == "null"


def test_exact_and_one_edit_kinds() -> None:
    sex, phone = Exact("sex"), OneEdit("phone")

    assert sex.label(R("x", "1", sex="male"), R("y", "2", sex="female")) == "else"
    assert phone.label(R("x", "1", phone="+12125550142"), R("y", "2", phone="+12125550143")) == (
        "one_edit"
    )


def test_an_unknown_comparison_kind_names_the_choices() -> None:
    with pytest.raises(ModelInvalid) as caught:
        build_comparison(
            "x", "soundex", "given", thresholds=(), similarity=jaro_winkler,
            nicknames=NicknameTable(()),
        )  # fmt: skip

    assert "soundex" in str(caught.value)
    assert "given_name" in str(caught.value)
