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
