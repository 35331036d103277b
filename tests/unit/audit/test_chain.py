"""The hash chain: linking, the versioned hash input, and the stored line form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from itertools import pairwise

import pytest

from splitbrain.engine.domain.audit import (
    GENESIS_HASH,
    HASH_VERSION,
    KNOWN_HASH_VERSIONS,
    AuditChainError,
    Head,
    MalformedEntryError,
    canonical_json,
    chain,
    entry_from_json,
    entry_hash,
    entry_to_json,
    event_to_dict,
)
from tests.unit.audit.factories import build_chain, make_event


def test_the_first_entry_is_seq_1_after_the_genesis_hash() -> None:
    first = chain(None, make_event())

    assert (first.seq, first.prev_hash, first.hash_version) == (1, GENESIS_HASH, HASH_VERSION)


def test_each_entry_links_to_the_hash_before_it() -> None:
    entries = build_chain(5)

    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))


def test_a_stored_head_links_like_an_entry() -> None:
    entries = build_chain(3)

    following = chain(Head(3, entries[-1].hash), make_event(3))

    assert (following.seq, following.prev_hash) == (4, entries[-1].hash)


def test_chain_refuses_a_seq_that_does_not_follow() -> None:
    entries = build_chain(3)

    with pytest.raises(
        AuditChainError, match="seq 5 does not follow the chain head; the next seq is 4"
    ):
        chain(entries[-1], make_event(), seq=5)


def test_the_hash_is_sha256_of_the_canonical_envelope_with_its_version() -> None:
    entry = build_chain(2)[1]
    envelope = {
        "event": event_to_dict(entry.event),
        "hash_version": 1,
        "prev_hash": entry.prev_hash,
        "seq": entry.seq,
    }

    assert entry.hash == hashlib.sha256(canonical_json(envelope)).hexdigest()


def test_the_version_is_part_of_what_is_hashed() -> None:
    entry = build_chain(1)[0]
    envelope = {"event": event_to_dict(entry.event), "prev_hash": entry.prev_hash, "seq": 1}

    assert entry.hash != hashlib.sha256(canonical_json(envelope)).hexdigest()


def test_an_unknown_hash_version_cannot_be_computed() -> None:
    entry = build_chain(1)[0]

    with pytest.raises(
        AuditChainError, match=r"hash version 2 is unknown; this reader knows \[1\]"
    ):
        entry_hash(entry.seq, entry.prev_hash, entry.event, version=2)
    assert frozenset({1}) == KNOWN_HASH_VERSIONS


def test_an_entry_round_trips_through_its_json_line() -> None:
    entry = build_chain(3)[2]

    line = entry_to_json(entry)

    assert entry_from_json(line) == entry
    assert entry_from_json(line.encode()) == entry
    assert line.encode() == canonical_json(json.loads(line))


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda r: r.pop("hash"), "exactly the keys"),
        (lambda r: r.update(seq=0), "seq must be an int >= 1"),
        (lambda r: r.update(seq=True), "seq must be an int >= 1"),
        (lambda r: r.update(hash_version="1"), "hash_version of seq 3 must be an int"),
        (lambda r: r.update(hash="AB" * 32), "hash of seq 3 must be 64 lowercase hex"),
        (
            lambda r: r["event"].update(actor="Zorblax Quennefield"),
            "AuditEvent.actor is not a code",
        ),
    ],
)
def test_a_malformed_line_names_its_seq_and_the_rule(mutate: object, why: str) -> None:
    record = json.loads(entry_to_json(build_chain(3)[2]))
    mutate(record)  # type: ignore[operator]

    with pytest.raises(MalformedEntryError) as info:
        entry_from_json(json.dumps(record))

    assert why in str(info.value)
    assert "Zorblax" not in str(info.value)


def test_a_line_that_is_not_json_is_malformed_without_a_seq() -> None:
    with pytest.raises(MalformedEntryError, match="no readable seq"):
        entry_from_json(b'{"seq": 3, "hash"')


def test_entries_are_values() -> None:
    entry = build_chain(1)[0]

    assert replace(entry) == entry
    assert hash(replace(entry)) == hash(entry)


def test_the_public_api_is_deliberate() -> None:
    import splitbrain.engine.domain.audit as audit

    assert set(audit.__all__) == {
        "DEFAULT_CHECKPOINT_EVERY", "GENESIS_HASH", "HASH_VERSION", "KNOWN_HASH_VERSIONS",
        "AuditChainError", "AuditEntry", "AuditError", "AuditEvent", "AuditEventError",
        "AuditKeyError", "AuditKeys", "AuditOutcome", "AuditSink", "AuditStateError",
        "AuditWriteError", "ChainHead", "ChainLink", "Checkpoint", "CheckpointStore", "Head",
        "MalformedCheckpointError", "MalformedEntryError", "StoredEntry", "VerifyFailure",
        "VerifyResult", "canonical_json", "chain", "checkpoint_from_json", "checkpoint_to_json",
        "entry_from_json", "entry_from_record", "entry_hash", "entry_to_json", "entry_to_record",
        "event_from_dict", "event_to_dict", "fingerprint", "key_id", "sign_checkpoint",
        "stored_entry", "verify",
    }  # fmt: skip
    assert all(hasattr(audit, name) for name in audit.__all__)
