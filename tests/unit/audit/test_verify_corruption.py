"""The corruption suite: every kind of tampering is caught, at the right first bad seq."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditOutcome,
    VerifyFailure,
    chain,
    sign_checkpoint,
    verify,
)
from tests.unit.audit.factories import (
    CHECKPOINT_KEY,
    build_chain,
    checkpoints_every,
    flip_code,
    flip_hex,
    make_event,
    rechain,
)

N = 30
K = 13  # the entry we tamper with (seq 13, index 12)

EventFlip = Callable[[AuditEvent], AuditEvent]
_CODE_FIELDS = (
    "actor",
    "role",
    "service",
    "action",
    "reason",
    "matrix_version",
    "policy_version",
    "purpose",
    "consent_ref",
    "person",
    "correlation_id",
    "match_grade",
)


def _flip_field(name: str) -> EventFlip:
    return lambda e: replace(e, **{name: flip_code(getattr(e, name))})


EVENT_FLIPS: dict[str, EventFlip] = {
    **{name: _flip_field(name) for name in _CODE_FIELDS},
    "outcome": lambda e: replace(e, outcome=AuditOutcome.REJECTED),
    "at": lambda e: replace(e, at=e.at + timedelta(microseconds=1)),
    "field_names": lambda e: replace(
        e, field_names=(e.field_names[0], flip_code(e.field_names[1]))
    ),
    "fingerprints": lambda e: replace(
        e, fingerprints=((e.fingerprints[0][0], flip_hex(e.fingerprints[0][1])),)
    ),
    "extra": lambda e: replace(e, extra=((e.extra[0][0], flip_code(e.extra[0][1])), *e.extra[1:])),
}


def _edited_and_recomputed(entries: list[AuditEntry]) -> list[AuditEntry]:
    edited = [*entries[: K - 1], replace(entries[K - 1], event=make_event(999)), *entries[K:]]
    return rechain(edited, K - 1)


def _tampered(entries: list[AuditEntry], index: int, entry: AuditEntry) -> list[AuditEntry]:
    return [*entries[:index], entry, *entries[index + 1 :]]


def test_an_untouched_chain_verifies_against_its_checkpoints() -> None:
    entries = build_chain(N)

    result = verify(entries, checkpoints_every(entries, 10), CHECKPOINT_KEY)

    assert result.ok, result.message
    assert (result.entries_checked, result.checkpoints_matched, result.last_seq) == (N, 3, N)


@pytest.mark.parametrize("field", sorted(EVENT_FLIPS))
def test_a_bit_flip_in_any_event_field_is_a_hash_mismatch_at_that_seq(field: str) -> None:
    entries = build_chain(N)
    original = entries[K - 1]
    flipped = replace(original, event=EVENT_FLIPS[field](original.event))
    assert flipped.event != original.event

    result = verify(
        _tampered(entries, K - 1, flipped), checkpoints_every(entries, 10), CHECKPOINT_KEY
    )

    assert (result.first_bad_seq, result.failure) == (K, VerifyFailure.HASH_MISMATCH)
    assert f"seq {K}" in result.message


def test_a_value_added_to_an_empty_event_field_is_a_hash_mismatch() -> None:
    entries = build_chain(N)
    entries[K - 1] = chain(entries[K - 2], make_event(K - 1, reason=None))
    entries = rechain(entries, K)
    forged = replace(entries[K - 1], event=replace(entries[K - 1].event, reason="override"))

    result = verify(_tampered(entries, K - 1, forged), [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K, VerifyFailure.HASH_MISMATCH)


@pytest.mark.parametrize(
    ("field", "flip", "failure"),
    [
        ("hash", lambda e: replace(e, hash=flip_hex(e.hash)), VerifyFailure.HASH_MISMATCH),
        (
            "prev_hash",
            lambda e: replace(e, prev_hash=flip_hex(e.prev_hash)),
            VerifyFailure.BROKEN_LINK,
        ),
        ("seq", lambda e: replace(e, seq=e.seq ^ 1), VerifyFailure.DUPLICATE_SEQ),
        (
            "hash_version",
            lambda e: replace(e, hash_version=e.hash_version ^ 1),
            VerifyFailure.UNKNOWN_HASH_VERSION,
        ),
        (
            "hash_version",
            lambda e: replace(e, hash_version=e.hash_version ^ 2),
            VerifyFailure.UNKNOWN_HASH_VERSION,
        ),
    ],
)
def test_a_bit_flip_in_any_entry_field_is_caught_at_that_seq(
    field: str, flip: Callable[[AuditEntry], AuditEntry], failure: VerifyFailure
) -> None:
    entries = build_chain(N)

    result = verify(_tampered(entries, K - 1, flip(entries[K - 1])), [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K, failure), field


def test_a_seq_flipped_up_is_a_gap_at_that_seq() -> None:
    entries = build_chain(N)
    even = entries[K]  # seq 14: 14 ^ 1 = 15, a jump over the expected seq

    result = verify(_tampered(entries, K, replace(even, seq=even.seq ^ 1)), [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K + 1, VerifyFailure.SEQUENCE_GAP)


def test_a_deleted_entry_is_a_sequence_gap_at_its_seq() -> None:
    entries = build_chain(N)

    result = verify(entries[: K - 1] + entries[K:], [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K, VerifyFailure.SEQUENCE_GAP)
    assert "entries 13..13 are missing" in result.detail


def test_an_inserted_copy_with_another_event_is_caught_at_its_position() -> None:
    entries = build_chain(N)
    inserted = replace(entries[K - 1], event=make_event(999))

    result = verify([*entries[: K - 1], inserted, *entries[K - 1 :]], [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K, VerifyFailure.HASH_MISMATCH)


def test_an_inserted_properly_linked_forgery_shows_as_a_repeated_seq() -> None:
    entries = build_chain(N)
    forged = chain(entries[K - 2], make_event(999))

    result = verify([*entries[: K - 1], forged, *entries[K - 1 :]], [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K + 1, VerifyFailure.DUPLICATE_SEQ)


def test_an_inserted_forgery_with_renumbering_is_caught_by_the_next_checkpoint() -> None:
    entries = build_chain(N)
    checkpoints = checkpoints_every(entries, 10)
    forged = [*entries[: K - 1], chain(entries[K - 2], make_event(999)), *entries[K - 1 :]]

    result = verify(rechain(forged, K - 1), checkpoints, CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (20, VerifyFailure.CHECKPOINT_MISMATCH)
    assert "seq 11..20" in result.detail


def test_two_swapped_entries_are_caught_at_the_first_of_them() -> None:
    entries = build_chain(N)
    swapped = [*entries[: K - 1], entries[K], entries[K - 1], *entries[K + 1 :]]

    result = verify(swapped, [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K, VerifyFailure.SEQUENCE_GAP)


def test_a_duplicated_entry_is_caught_where_the_repeat_stands() -> None:
    entries = build_chain(N)
    duplicated = [*entries[:K], entries[K - 1], *entries[K:]]

    result = verify(duplicated, [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K + 1, VerifyFailure.DUPLICATE_SEQ)
    assert f"seq {K} appears twice" in result.detail


def test_an_old_entry_replayed_later_is_out_of_order() -> None:
    entries = build_chain(N)

    result = verify([*entries[:K], entries[2], *entries[K:]], [], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (K + 1, VerifyFailure.OUT_OF_ORDER)


def test_a_truncated_log_is_caught_by_the_checkpoint_beyond_its_end() -> None:
    entries = build_chain(N)
    checkpoints = [sign_checkpoint(entries[-1], CHECKPOINT_KEY)]

    result = verify(entries[:25], checkpoints, CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (26, VerifyFailure.TRUNCATED)
    assert "entries 26..30 were removed" in result.detail


def test_an_emptied_log_is_caught_by_its_checkpoints() -> None:
    entries = build_chain(N)

    result = verify([], checkpoints_every(entries, 10), CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (1, VerifyFailure.TRUNCATED)


def test_a_wholesale_recomputed_chain_after_an_edit_is_caught_by_the_checkpoint() -> None:
    entries = build_chain(N)
    checkpoints = checkpoints_every(entries, 10)
    recomputed = _edited_and_recomputed(entries)

    result = verify(recomputed, checkpoints, CHECKPOINT_KEY)

    assert verify(recomputed, [], CHECKPOINT_KEY).ok  # the chain alone cannot see it
    assert (result.first_bad_seq, result.failure) == (20, VerifyFailure.CHECKPOINT_MISMATCH)
    assert result.last_checkpoint_seq == 10


def test_a_recomputed_chain_with_checkpoints_re_signed_under_another_key_is_refused() -> None:
    entries = build_chain(N)
    recomputed = _edited_and_recomputed(entries)
    forged_checkpoints = checkpoints_every(recomputed, 10, key=b"f" * 32)

    result = verify(recomputed, forged_checkpoints, CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (10, VerifyFailure.UNKNOWN_CHECKPOINT_KEY)


def test_a_checkpoint_edited_to_match_a_recomputed_chain_has_a_bad_signature() -> None:
    entries = build_chain(N)
    checkpoints = checkpoints_every(entries, 10)
    recomputed = _edited_and_recomputed(entries)
    checkpoints[1] = replace(checkpoints[1], hash=recomputed[19].hash)

    result = verify(recomputed, checkpoints, CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (20, VerifyFailure.BAD_CHECKPOINT_SIGNATURE)


def test_a_forged_checkpoint_beyond_the_end_is_a_bad_signature_not_a_truncation() -> None:
    entries = build_chain(N)
    honest = sign_checkpoint(entries[-1], CHECKPOINT_KEY)
    forged = replace(honest, seq=N + 5)

    result = verify(entries, [honest, forged], CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (N + 5, VerifyFailure.BAD_CHECKPOINT_SIGNATURE)


def test_the_first_problem_in_seq_order_is_the_one_named() -> None:
    entries = build_chain(N)
    checkpoints = checkpoints_every(entries, 10)
    checkpoints[2] = replace(checkpoints[2], signature="0" * 64)  # at seq 30
    broken = _tampered(entries, 4, replace(entries[4], hash=flip_hex(entries[4].hash)))

    result = verify(broken, checkpoints, CHECKPOINT_KEY)

    assert (result.first_bad_seq, result.failure) == (5, VerifyFailure.HASH_MISMATCH)
