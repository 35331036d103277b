"""Checkpoints: signed under the checkpoint key, parsed strictly, rotated keys accepted."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from splitbrain.engine.domain.audit import (
    MalformedCheckpointError,
    VerifyFailure,
    checkpoint_from_json,
    checkpoint_to_json,
    key_id,
    sign_checkpoint,
    verify,
)
from tests.unit.audit.factories import CHECKPOINT_KEY, FINGERPRINT_KEY, build_chain

OLD_KEY = b"o" * 32


def test_a_checkpoint_names_seq_hash_and_key_and_verifies_under_its_key() -> None:
    head = build_chain(4)[-1]

    cp = sign_checkpoint(head, CHECKPOINT_KEY)

    assert (cp.seq, cp.hash, cp.key_id) == (4, head.hash, key_id(CHECKPOINT_KEY))
    assert cp.signature_ok(CHECKPOINT_KEY)
    assert not cp.signature_ok(FINGERPRINT_KEY)


@pytest.mark.parametrize("field", ["seq", "hash", "key_id"])
def test_changing_any_signed_field_breaks_the_signature(field: str) -> None:
    cp = sign_checkpoint(build_chain(4)[-1], CHECKPOINT_KEY)
    changed = {"seq": cp.seq + 1, "hash": "f" * 64, "key_id": "k" + "0" * 16}[field]

    assert not replace(cp, **{field: changed}).signature_ok(CHECKPOINT_KEY)


def test_a_checkpoint_round_trips_through_its_line() -> None:
    cp = sign_checkpoint(build_chain(2)[-1], CHECKPOINT_KEY)

    assert checkpoint_from_json(checkpoint_to_json(cp), line=1) == cp


def _line(v: int = 1, seq: int = 1, hash_: str = "a" * 64) -> str:
    kid, sig = "k" + "0" * 16, "b" * 64
    return json.dumps({"v": v, "seq": seq, "hash": hash_, "key_id": kid, "signature": sig})


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("not json", "not valid UTF-8 JSON"),
        ('{"seq": 1}', "exactly the keys"),
        (_line(v=2), "version must be 1"),
        (_line(seq=0), "seq must be an int"),
        (_line(hash_="xyz"), "hash has the wrong form"),
    ],
)
def test_a_malformed_checkpoint_names_its_line(line: str, why: str) -> None:
    with pytest.raises(MalformedCheckpointError) as info:
        checkpoint_from_json(line, line=7)

    assert "line 7" in str(info.value) and why in str(info.value)


def test_checkpoints_from_a_rotated_key_verify_when_both_keys_are_given() -> None:
    entries = build_chain(20)
    checkpoints = [
        sign_checkpoint(entries[9], OLD_KEY),
        sign_checkpoint(entries[19], CHECKPOINT_KEY),
    ]

    with_both = verify(entries, checkpoints, [OLD_KEY, CHECKPOINT_KEY])
    with_new_only = verify(entries, checkpoints, CHECKPOINT_KEY)

    assert with_both.ok and with_both.checkpoints_matched == 2
    assert (with_new_only.first_bad_seq, with_new_only.failure) == (
        10,
        VerifyFailure.UNKNOWN_CHECKPOINT_KEY,
    )
    assert key_id(OLD_KEY) in with_new_only.detail


def test_checkpoints_are_matched_in_seq_order_whatever_the_file_order() -> None:
    entries = build_chain(20)
    checkpoints = [sign_checkpoint(entries[i], CHECKPOINT_KEY) for i in (19, 4, 9, 9)]

    result = verify(entries, checkpoints, CHECKPOINT_KEY)

    assert result.ok and result.checkpoints_matched == 4 and result.last_checkpoint_seq == 20


def test_the_message_says_how_far_the_chain_is_anchored() -> None:
    entries = build_chain(12)

    result = verify(entries, [sign_checkpoint(entries[9], CHECKPOINT_KEY)], CHECKPOINT_KEY)

    assert result.message == (
        "audit chain intact: 12 entries (seq 1..12), 1 checkpoints matched, last at seq 10"
    )
