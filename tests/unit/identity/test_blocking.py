from __future__ import annotations

import pytest

from splitbrain.engine.domain.identity.blocking import BLOCKING_KEYS, BlockingKeys, soundex
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.record import IdentityRecord as R


@pytest.mark.parametrize(
    ("name", "code"),
    [("robert", "R163"), ("rupert", "R163"), ("tymczak", "T522"), ("ashcraft", "A261"),
     ("pfister", "P236"), ("lee", "L000"), ("123", None)],
)  # fmt: skip
def test_soundex_codes_sound_alike_names_alike(name: str, code: str | None) -> None:
    assert soundex(name) == code


def test_a_full_record_gets_every_kind_of_key() -> None:
    keys = BlockingKeys(tuple(BLOCKING_KEYS))
    record = R("ehr", "e-1", identifier="123-45", given="ana", family="garcia lopez",
               date_of_birth="1984-07-09", phone="+12125550142", email="ana@example.org",
               postcode="62701")  # fmt: skip

    found = keys.keys(record)

    assert "id:123-45" in found and "ph:+12125550142" in found and "em:ana@example.org" in found
    assert "fd:G620:1984-07-09" in found and "fd:L120:1984-07-09" in found  # both surnames
    assert "dg:1984-07-09:a" in found
    assert "pf:62701:gar" in found
    assert any(k.startswith("ny:A500:") and k.endswith(":1984") for k in found)
    assert len(found) == len(set(found))


def test_missing_values_make_no_keys() -> None:
    assert BlockingKeys(tuple(BLOCKING_KEYS)).keys(R("crm", "c-1")) == ()


def test_exact_keys_are_told_apart_from_fuzzy_ones() -> None:
    assert BlockingKeys.is_exact("ph:+12125550142")
    assert not BlockingKeys.is_exact("gf:A500:O216")


def test_an_unknown_key_kind_is_refused_with_the_choices() -> None:
    with pytest.raises(ModelInvalid) as caught:
        BlockingKeys(["zip3"])

    assert "zip3" in str(caught.value) and "phone" in str(caught.value)


def test_blocks_within_the_scoring_cap_give_every_member_once_in_block_order() -> None:
    keys = BlockingKeys(["phone"], max_scored=5)

    chosen = keys.choose([["a", "b"], ["b", "c", "self"]], exclude="self")

    assert chosen == ["a", "b", "c"]


def test_over_the_cap_a_record_sharing_two_keys_outranks_records_sharing_one_common_key() -> None:
    keys = BlockingKeys(["phone"], max_scored=3, max_lone_block=100)
    recycled_phone = [f"stranger-{i}" for i in range(27)] + ["twin-key-match"]
    same_name_and_date = ["twin-key-match", "namesake"]

    chosen = keys.choose([recycled_phone, same_name_and_date])

    assert chosen == ["twin-key-match", "namesake", "stranger-0"]


def test_over_the_cap_ties_keep_the_order_the_blocks_found_them_in() -> None:
    keys = BlockingKeys(["phone"], max_scored=2)

    assert keys.choose([["c", "a", "b"], ["z", "y", "x"]]) == ["c", "a"]


def test_the_new_record_itself_takes_no_place_under_the_cap() -> None:
    keys = BlockingKeys(["phone"], max_scored=2)

    chosen = keys.choose([["self", "a", "b", "c"], ["self", "b"]], exclude="self")

    assert chosen == ["b", "a"]


def test_over_the_cap_a_stranger_sharing_only_one_common_key_is_not_scored() -> None:
    keys = BlockingKeys(["phone"], max_scored=3, max_lone_block=8)
    recycled_phone = [f"stranger-{i}" for i in range(27)] + ["twin-key-match"]
    same_name_and_date = ["twin-key-match", "namesake"]

    chosen = keys.choose([recycled_phone, same_name_and_date])

    assert chosen == ["twin-key-match", "namesake"]


def test_over_the_cap_a_record_sharing_two_common_keys_is_scored() -> None:
    keys = BlockingKeys(["phone"], max_scored=3, max_lone_block=8)
    recycled_phone = [f"stranger-{i}" for i in range(20)] + ["phone-and-names"]
    common_names = [f"namesake-{i}" for i in range(20)] + ["phone-and-names"]

    assert keys.choose([recycled_phone, common_names]) == ["phone-and-names"]


def test_under_the_cap_a_stranger_sharing_one_common_key_is_still_scored() -> None:
    keys = BlockingKeys(["phone"], max_scored=32, max_lone_block=8)
    recycled_phone = [f"stranger-{i}" for i in range(12)]

    assert keys.choose([recycled_phone, ["namesake"]]) == [*recycled_phone, "namesake"]


def test_small_blocks_within_the_cap_are_scored_whole() -> None:
    keys = BlockingKeys(["phone"], max_scored=32, max_lone_block=8)
    family_phone = [f"relative-{i}" for i in range(8)]

    assert keys.choose([family_phone, ["namesake"]]) == [*family_phone, "namesake"]


def test_over_the_cap_the_new_record_itself_is_never_scored_even_in_a_small_block() -> None:
    keys = BlockingKeys(["phone"], max_scored=2, max_lone_block=8)

    chosen = keys.choose([[f"s-{i}" for i in range(9)] + ["self"], ["self", "a"]], exclude="self")

    assert chosen == ["a"]


def test_a_lone_block_limit_below_one_is_refused_with_the_rule() -> None:
    with pytest.raises(ModelInvalid) as caught:
        BlockingKeys(["phone"], max_lone_block=0)

    assert "max_lone_block" in str(caught.value)


def test_a_scoring_cap_below_one_is_refused_with_the_rule() -> None:
    with pytest.raises(ModelInvalid) as caught:
        BlockingKeys(["phone"], max_scored=0)

    assert "max_scored" in str(caught.value)


def test_over_the_cap_an_empty_block_is_skipped_not_divided_by() -> None:
    keys = BlockingKeys(["phone"], max_scored=2, max_lone_block=8)

    chosen = keys.choose([[], [f"s-{i}" for i in range(9)], ["a"]])

    assert chosen == ["a"]
