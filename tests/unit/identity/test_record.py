from __future__ import annotations

import pytest

from splitbrain.engine.domain.identity.errors import EmptyIdentityValue
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey


def test_a_missing_value_is_none_and_an_empty_string_is_refused() -> None:
    with pytest.raises(EmptyIdentityValue) as caught:
        IdentityRecord("ehr", "e-1", given="")

    assert "given" in str(caught.value)
    assert "e-1" in str(caught.value)


def test_whitespace_only_values_are_refused_too() -> None:
    with pytest.raises(EmptyIdentityValue):
        IdentityRecord("ehr", "e-1", phone="  ")


def test_a_record_needs_its_system_and_record_id() -> None:
    with pytest.raises(EmptyIdentityValue):
        IdentityRecord("ehr", " ")


def test_the_key_names_system_and_record() -> None:
    record = IdentityRecord("crm", "c-9", family="okafor")

    assert record.key == RecordKey("crm", "c-9")
    assert str(record.key) == "crm/c-9"
    assert record.present() == ("family",)
