"""Normalization is idempotent: a normalized value normalizes to itself."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.identity.normalize import Normalizer

N = Normalizer()
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
PHONE_LIKE = st.text(alphabet="0123456789 ()-.+", max_size=18)
DATE_LIKE = st.text(alphabet="0123456789/-.T:Z", max_size=20)


@given(TEXT)
def test_names_cities_addresses_emails_and_ids_normalize_idempotently(raw: str) -> None:
    for normalize in (N.name, N.city, N.address_line, N.email, N.identifier, N.postcode,
                      N.state, N.sex):  # fmt: skip
        once = normalize(raw)
        assert normalize(once) == once
        assert once != ""


@given(PHONE_LIKE | TEXT)
def test_phones_normalize_idempotently(raw: str) -> None:
    once = N.phone(raw)

    assert N.phone(once) == once


@given(DATE_LIKE | st.dates().map(lambda d: d.strftime("%m/%d/%Y")))
def test_dates_normalize_idempotently(raw: str) -> None:
    once = N.date(raw)

    assert N.date(once) == once
