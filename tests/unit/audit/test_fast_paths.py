"""The audit hot paths give exactly what the plain definitions give: same bytes, same refusals.

``AuditEvent`` checks well-formed events in one pass (with a memo of strings already checked)
and writes its canonical bytes without a JSON encoder; ``Fingerprinter`` keeps the HMAC key
schedule; ``chain`` builds its entry without re-checking the hash it just computed. The model
each is held to: ``canonical_json(event_to_dict(event))``, the ``hmac`` module, and
``AuditEntry``'s own checks.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, StrEnum

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.domain.audit import (
    AuditChainError,
    AuditEntry,
    AuditEvent,
    AuditEventError,
    AuditOutcome,
    Head,
    canonical_json,
    chain,
    entry_hash,
    event_to_dict,
    fingerprint,
)
from splitbrain.engine.domain.audit.entry import hash_v1, hash_v1_text
from splitbrain.engine.domain.audit.event import CODE_PATTERN
from splitbrain.engine.domain.audit.keys import Fingerprinter, issued_fingerprints
from tests.unit.audit.factories import CANARY_VALUES, FINGERPRINT_KEY, START, make_event

_CODE = re.compile(CODE_PATTERN)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")

codes = st.builds("{}{}".format, st.sampled_from("aZ09"), st.text("abXY19_.:/#=-", max_size=11))
names = st.builds("{}{}".format, st.sampled_from("abcxyz"), st.text("abcxyz_.19", max_size=7))
not_codes = st.one_of(  # values, escapes, separators, non-ASCII, empty
    st.text('ab "\\\n\x00é@+', max_size=6).filter(lambda v: not _CODE.fullmatch(v)),
    st.sampled_from(CANARY_VALUES),
)
prints = st.builds(lambda v: fingerprint(FINGERPRINT_KEY, v), st.text(max_size=8))
_SLOTS = ("actor", "role", "reason", "person", "correlation_id", "name", "extra key", "extra value")


@st.composite
def event_fields(draw: st.DrawFn) -> dict[str, object]:
    """Well-formed fields, in half of the cases with one slot spoiled by a non-code."""
    spoiled = draw(st.none() | st.sampled_from(_SLOTS))
    bad = draw(not_codes)
    field_names = draw(st.lists(names, max_size=3, unique=True))
    printed = draw(st.lists(st.sampled_from(field_names), unique=True)) if field_names else []
    extra = draw(st.dictionaries(names, codes, max_size=4))
    if spoiled == "name":
        field_names.append(bad)
    elif spoiled == "extra key":
        extra[bad] = "x"
    elif spoiled == "extra value":
        extra["note"] = bad
    fields: dict[str, object] = {
        "actor": draw(codes),
        "role": draw(codes),
        "service": "engine",
        "action": draw(st.sampled_from(["write.decide", "consent.check"])),
        "outcome": draw(st.sampled_from([*AuditOutcome, "applied", "deny", "maybe"])),
        "at": START + timedelta(microseconds=draw(st.integers(0, 10**12))),
        "field_names": tuple(field_names),
        "fingerprints": tuple((name, draw(prints)) for name in printed),
        "extra": tuple(extra.items()),
    }
    for name in ("reason", "matrix_version", "person", "correlation_id", "match_grade"):
        fields[name] = draw(st.none() | codes)
    if spoiled in fields:
        fields[spoiled] = bad
    if draw(st.booleans()):  # the unusual shapes the slow path normalizes
        fields["at"] = fields["at"].astimezone(timezone(timedelta(hours=-5)))  # type: ignore[attr-defined]
        fields["extra"] = [list(pair) for pair in fields["extra"]]  # type: ignore[attr-defined]
    return fields


def _well_formed(fields: dict[str, object]) -> bool:
    codes = [fields[n] for n in ("actor", "role", "service", "action", "reason")]
    codes += [fields[n] for n in ("matrix_version", "person", "correlation_id", "match_grade")]
    extra = [tuple(pair) for pair in fields["extra"]]  # type: ignore[attr-defined]
    return (
        all(c is None or _CODE.fullmatch(str(c)) for c in codes)
        and fields["outcome"] in {o.value for o in AuditOutcome}
        and all(_NAME.fullmatch(n) for n in fields["field_names"])  # type: ignore[attr-defined]
        and all(_NAME.fullmatch(k) and _CODE.fullmatch(v) for k, v in extra)
    )


@given(event_fields())
def test_an_event_is_refused_or_its_bytes_are_the_canonical_json(fields: dict[str, object]) -> None:
    well_formed = _well_formed(fields)
    event(f"well formed: {well_formed}")

    if not well_formed:
        with pytest.raises(AuditEventError):
            AuditEvent(**fields)  # type: ignore[arg-type]
        return
    audited = AuditEvent(**fields)  # type: ignore[arg-type]

    assert audited.canonical_bytes() == canonical_json(event_to_dict(audited))
    assert audited.at.tzinfo is UTC and type(audited.outcome) is AuditOutcome
    assert all(type(pair) is tuple for pair in audited.extra)
    assert list(audited.extra) == sorted(audited.extra)


@pytest.mark.parametrize("value", CANARY_VALUES)
def test_a_value_is_refused_in_a_slot_where_the_same_event_passed_before(value: str) -> None:
    make_event(1)  # the memo now holds every string of a good event

    with pytest.raises(AuditEventError):
        make_event(1, person=value)
    with pytest.raises(AuditEventError):
        make_event(1, extra=(("rule", value),))


def test_a_fingerprint_naming_an_absent_field_is_refused_on_the_fast_path() -> None:
    good = make_event(2)

    with pytest.raises(AuditEventError, match="not in field_names"):
        replace(good, field_names=("phone",))


class _Purpose(str, Enum):  # noqa: UP042 - formats as "_Purpose.TREAT" in an f-string
    TREAT = "TREAT"


class _Channel(StrEnum):
    SMS = "sms"


def test_enum_members_go_into_the_bytes_by_their_value() -> None:
    audited = make_event(3, purpose=_Purpose.TREAT, extra=(("channel", _Channel.SMS),))

    assert audited.canonical_bytes() == canonical_json(event_to_dict(audited))
    assert b'"purpose":"TREAT"' in audited.canonical_bytes()


def test_an_instant_with_no_microseconds_keeps_its_six_digits() -> None:
    on_the_second = make_event(0, at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    assert b'"at":"2026-01-05T09:00:00.000000Z"' in on_the_second.canonical_bytes()


@given(st.binary(min_size=32, max_size=130), st.text(max_size=40))
def test_the_fingerprinter_computes_the_hmac(key: bytes, value: str) -> None:
    expected = hmac.digest(key, value.encode("utf-8"), "sha256").hex()

    assert Fingerprinter(key)(value).rsplit(":", 1)[1] == expected
    assert Fingerprinter(key)(value) == fingerprint(key, value)


def test_what_the_fingerprinter_makes_is_remembered_as_well_formed_in_a_bounded_memo() -> None:
    made = Fingerprinter(FINGERPRINT_KEY)

    first = made("Ana")
    assert first in issued_fingerprints()
    for n in range(5_000):
        made(f"value-{n}")
    assert 0 < len(issued_fingerprints()) <= 4_096


@given(st.integers(1, 2**63), st.sampled_from(("0" * 64, "ab" * 32)), st.text(max_size=60))
def test_the_hash_of_an_entry_from_its_event_text_is_the_hash_of_its_bytes(
    seq: int, prev_hash: str, text: str
) -> None:
    assert hash_v1_text(seq, prev_hash, text) == hash_v1(seq, prev_hash, text.encode("utf-8"))


def test_chain_builds_the_entry_its_checks_would_accept() -> None:
    first = chain(None, make_event(0))
    second = chain(first, make_event(1))

    checked = AuditEntry(2, make_event(1), first.hash, entry_hash(2, first.hash, make_event(1)))
    assert second == checked and hash(second) == hash(checked)


def test_chain_refuses_a_head_whose_hash_is_not_a_hash() -> None:
    with pytest.raises(AuditChainError, match="seq 8"):
        chain(Head(7, "not-a-hash"), make_event(0))
