"""Hypothesis: the audit chain verifies after any appends, and any single mutation is caught.

The model is the simplest possible: the list of events appended. Whatever was appended, in
whatever rhythm of checkpoints, verifies; then one tampering (a field flip, a deletion, an
insertion, a swap, a duplication, a truncation, an edit with the chain recomputed) is applied
and verify must fail. Where the tampered entry is known and no recomputation hides it, the
first bad seq must be that entry's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditOutcome,
    canonical_json,
    chain,
    event_from_dict,
    event_to_dict,
    sign_checkpoint,
    verify,
)
from tests.unit.audit.factories import (
    CHECKPOINT_KEY,
    KEYS,
    flip_code,
    flip_hex,
    make_event,
    rechain,
)

codes = st.builds("{}{}".format, st.sampled_from("abcxyz"), st.text("abz019_", max_size=8))


@st.composite
def events(draw: st.DrawFn) -> AuditEvent:
    i = draw(st.integers(0, 10_000))
    return make_event(
        i,
        actor=draw(codes),
        outcome=draw(st.sampled_from(list(AuditOutcome))),
        reason=draw(st.none() | codes),
        person=draw(st.none() | codes),
        extra=tuple((f"k{n}", v) for n, v in enumerate(draw(st.lists(codes, max_size=3)))),
    )


def _appended(evs: list[AuditEvent], every: int) -> InMemoryAuditLog:
    log = InMemoryAuditLog(InMemoryCheckpointStore(), KEYS, checkpoint_every=every)
    for e in evs:
        log.append(e)
        log.checkpoint_if_due()
    log.checkpoint()  # the head is anchored, as after a clean shutdown
    return log


@given(evs=st.lists(events(), max_size=12), every=st.integers(1, 8))
def test_any_sequence_of_appends_verifies(evs: list[AuditEvent], every: int) -> None:
    log = _appended(evs, every)

    result = log.verify()

    assert result.ok, result.message
    assert result.entries_checked == len(evs) == result.last_seq
    assert result.last_checkpoint_seq == len(evs)


@given(ev=events())
def test_the_fast_canonical_form_is_the_generic_canonical_json(ev: AuditEvent) -> None:
    assert ev.canonical_bytes() == canonical_json(event_to_dict(ev))
    assert event_from_dict(json.loads(ev.canonical_bytes())) == ev


EntryFlip = Callable[[AuditEntry], AuditEntry]
FIELD_FLIPS: dict[str, EntryFlip] = {
    "seq": lambda e: replace(e, seq=e.seq ^ 1) if e.seq > 1 else replace(e, seq=2),
    "hash_version": lambda e: replace(e, hash_version=e.hash_version + 1),
    "prev_hash": lambda e: replace(e, prev_hash=flip_hex(e.prev_hash)),
    "hash": lambda e: replace(e, hash=flip_hex(e.hash)),
    "actor": lambda e: replace(e, event=replace(e.event, actor=flip_code(e.event.actor))),
    "at": lambda e: replace(e, event=replace(e.event, at=e.event.at + timedelta(microseconds=1))),
    "person": lambda e: replace(
        e, event=replace(e.event, person="per_x" if e.event.person is None else None)
    ),
    "fingerprint": lambda e: replace(
        e,
        event=replace(
            e.event, fingerprints=(("legal_name", flip_hex(e.event.fingerprints[0][1])),)
        ),
    ),
}


@given(
    evs=st.lists(events(), min_size=1, max_size=12),
    every=st.integers(1, 8),
    data=st.data(),
)
def test_a_flip_in_any_field_of_any_entry_is_caught_at_that_entry(
    evs: list[AuditEvent], every: int, data: st.DataObject
) -> None:
    log = _appended(evs, every)
    entries = list(log.entries())
    index = data.draw(st.integers(0, len(entries) - 1), label="index")
    field = data.draw(st.sampled_from(sorted(FIELD_FLIPS)), label="field")
    tampered = [*entries[:index], FIELD_FLIPS[field](entries[index]), *entries[index + 1 :]]
    event(f"flip {field}")

    result = verify(tampered, log.checkpoints.all(), CHECKPOINT_KEY)

    assert not result.ok
    assert result.first_bad_seq == index + 1, (field, result.message)


def _delete(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    return entries[:i] + entries[i + 1 :]


def _duplicate(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    return [*entries[: i + 1], entries[i], *entries[i + 1 :]]


def _swap(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    j = i + 1 if i + 1 < len(entries) else i - 1
    out = list(entries)
    out[i], out[j] = out[j], out[i]
    return out


def _insert_forgery(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    forged = chain(entries[i - 1] if i else None, make_event(99_999))
    return [*entries[:i], forged, *entries[i:]]


def _insert_and_recompute(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    return rechain(_insert_forgery(entries, i), i)


def _edit_and_recompute(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    edited = [*entries[:i], replace(entries[i], event=make_event(99_999)), *entries[i + 1 :]]
    return rechain(edited, i)


def _truncate(entries: list[AuditEntry], i: int) -> list[AuditEntry]:
    return entries[:i]


STRUCTURAL: dict[str, Callable[[list[AuditEntry], int], list[AuditEntry]]] = {
    "delete": _delete,
    "duplicate": _duplicate,
    "swap": _swap,
    "insert_forgery": _insert_forgery,
    "insert_and_recompute": _insert_and_recompute,
    "edit_and_recompute": _edit_and_recompute,
    "truncate": _truncate,
}


def _forgery_caught_at(i: int, checkpointed: set[int]) -> int:
    # The forgery takes seq i+1: a checkpoint there catches it, else the original repeats it.
    return i + 1 if i + 1 in checkpointed else i + 2


_EXACT: dict[str, Callable[[int, int, set[int]], int]] = {
    "delete": lambda i, n, cps: i + 1,
    "truncate": lambda i, n, cps: i + 1,
    "duplicate": lambda i, n, cps: i + 2,  # where the repeat stands
    "insert_forgery": lambda i, n, cps: _forgery_caught_at(i, cps),
    "swap": lambda i, n, cps: min(i, i + 1 if i + 1 < n else i - 1) + 1,
}


@given(
    evs=st.lists(events(), min_size=2, max_size=12),
    every=st.integers(1, 8),
    data=st.data(),
)
def test_any_structural_tampering_is_caught(
    evs: list[AuditEvent], every: int, data: st.DataObject
) -> None:
    log = _appended(evs, every)
    entries = list(log.entries())
    index = data.draw(st.integers(0, len(entries) - 1), label="index")
    kind = data.draw(st.sampled_from(sorted(STRUCTURAL)), label="kind")
    event(kind)

    result = verify(STRUCTURAL[kind](entries, index), log.checkpoints.all(), CHECKPOINT_KEY)

    assert not result.ok, kind
    assert result.first_bad_seq is not None
    exact = _EXACT.get(kind)
    if exact is None:  # recomputed: caught at the first checkpoint at or after the edit
        assert result.first_bad_seq >= index + 1
    else:
        checkpointed = {cp.seq for cp in log.checkpoints.all()}
        expected = exact(index, len(entries), checkpointed)
        assert result.first_bad_seq == expected, (kind, result.message)


@given(evs=st.lists(events(), min_size=1, max_size=10), data=st.data())
def test_a_checkpoint_signed_by_anyone_else_is_refused(
    evs: list[AuditEvent], data: st.DataObject
) -> None:
    log = _appended(evs, every=1000)
    entries = list(log.entries())
    index = data.draw(st.integers(0, len(entries) - 1))
    other_key = data.draw(st.binary(min_size=32, max_size=32).filter(lambda k: k != CHECKPOINT_KEY))

    result = verify(entries, [sign_checkpoint(entries[index], other_key)], CHECKPOINT_KEY)

    assert not result.ok and result.first_bad_seq == index + 1
