"""Hypothesis strategies for identity records: small vocabularies, so values collide often."""

from __future__ import annotations

from hypothesis import strategies as st

from splitbrain.engine.domain.identity.record import IdentityRecord

GIVEN = ("ana", "ada", "robert", "bob", "rob", "elizabeth", "liz", "li", "jose", "mary ann")
FAMILY = ("okafor", "okafro", "smith", "smyth", "garcia lopez", "garcia", "wang", "lee")
PHONES = ("+12125550142", "+12125550124", "+13125550188", "+14155550111")
EMAILS = ("ana@example.org", "ana1@example.org", "bob@example.net", "li.wang@example.com")
DATES = ("1984-07-09", "1984-09-07", "1984-07-08", "1950-01-02", "1990-03-04")
LINES = ("12 main st", "12 mian st", "9 elm st")


def _maybe(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values)


def records(system: str = "ehr") -> st.SearchStrategy[IdentityRecord]:
    """Normalized records with overlapping values (ids drawn to be distinct per draw)."""
    return st.builds(
        IdentityRecord,
        source_system=st.just(system),
        source_record_id=st.uuids().map(str),
        identifier=_maybe(("111-22", "111-23")),
        given=_maybe(GIVEN),
        family=_maybe(FAMILY),
        date_of_birth=_maybe(DATES),
        sex=_maybe(("female", "male")),
        phone=_maybe(PHONES),
        email=_maybe(EMAILS),
        address_line=_maybe(LINES),
        city=_maybe(("springfield", "shelbyville")),
        postcode=_maybe(("62701", "62565")),
        state=_maybe(("IL",)),
    )
