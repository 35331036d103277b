"""StoredEntry: verify reads stored bytes as they are; parse() gives the full entry on demand."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.audit import (
    MalformedEntryError,
    StoredEntry,
    VerifyFailure,
    stored_entry,
    verify,
)
from tests.unit.audit.factories import CHECKPOINT_KEY, build_chain


def _stored(n: int) -> list[StoredEntry]:
    return [
        stored_entry(e.seq, e.hash_version, e.prev_hash, e.hash, e.event_bytes().decode())
        for e in build_chain(n)
    ]


def test_stored_rows_verify_without_parsing_and_parse_back_to_the_entries() -> None:
    stored = _stored(5)

    assert verify(stored, [], CHECKPOINT_KEY).ok
    assert [s.parse() for s in stored] == build_chain(5)


def test_reformatted_bytes_fail_even_when_they_parse_to_the_same_event() -> None:
    stored = _stored(3)
    spaced = stored[1].event_json.replace(b'","', b'", "', 1)
    reformatted = StoredEntry(2, 1, stored[1].prev_hash, stored[1].hash, spaced)

    result = verify([stored[0], reformatted, stored[2]], [], CHECKPOINT_KEY)

    assert reformatted.parse().event == stored[1].parse().event
    assert (result.first_bad_seq, result.failure) == (2, VerifyFailure.HASH_MISMATCH)


@pytest.mark.parametrize(
    ("row", "why"),
    [
        (("3", 1, "a", "b", "{}"), "must be integers"),
        ((3, "1", "a", "b", "{}"), "must be integers"),
        ((3, 1, None, "b", "{}"), "must be text"),
        ((3, 1, "a", "b", 12), "must hold JSON text"),
    ],
)
def test_a_row_of_the_wrong_shape_is_malformed(row: tuple[object, ...], why: str) -> None:
    with pytest.raises(MalformedEntryError, match=why):
        stored_entry(*row)


def test_an_unparseable_event_names_its_seq_when_parsed() -> None:
    with pytest.raises(MalformedEntryError, match="seq 7: the event is not valid UTF-8 JSON"):
        stored_entry(7, 1, "a", "b", b"\xff{").parse()
