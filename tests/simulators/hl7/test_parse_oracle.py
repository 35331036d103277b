"""Our lazy splitter agrees with python-hl7 (the oracle) field by field, on every corpus message
and on generated ones with every delimiter in odd places."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hl7
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.hl7.framing import clean_payload
from simulators.ehr.hl7.parse import Delimiters, FieldValue, parse_message
from tests.simulators.hl7.messages import corpus_params


def oracle_field(field: Any, delimiters: Delimiters) -> FieldValue:
    """python-hl7's lazily nested containers (str | Repetition | Component) as our tuples."""
    unescape = delimiters.unescape_text
    repetitions: list[tuple[tuple[str, ...], ...]] = []
    for repetition in field:
        if isinstance(repetition, str):
            repetitions.append(((unescape(repetition),),))
            continue
        components = []
        for component in repetition:
            subs = [component] if isinstance(component, str) else [str(s) for s in component]
            components.append(tuple(unescape(sub) for sub in subs))
        repetitions.append(tuple(components))
    return tuple(repetitions)


def assert_agrees_with_python_hl7(payload: bytes) -> None:
    ours = parse_message(payload)
    theirs = hl7.parse(clean_payload(payload).decode("utf-8"))
    delimiters = ours.header.delimiters

    assert [segment.id for segment in ours.segments] == [str(s[0]) for s in theirs]
    for segment, oracle in zip(ours.segments, theirs, strict=True):
        assert len(segment) == len(oracle) - 1
        for number in range(1, len(oracle)):
            assert segment.raw(number) == str(oracle[number])
            if not (segment.id == "MSH" and number in (1, 2)):
                assert segment.field(number) == oracle_field(oracle[number], delimiters)


@pytest.mark.parametrize("path", corpus_params())
def test_corpus_messages_split_exactly_as_python_hl7_splits_them(path: Path) -> None:
    assert_agrees_with_python_hl7(path.read_bytes())


values = st.text(alphabet=st.sampled_from("ab1 ^~&\\|é"), max_size=12)
segments = st.builds(
    lambda name, fields: "|".join([name, *fields]),
    st.sampled_from(["PID", "PV1", "ZZ1", "NK1"]),
    st.lists(values, max_size=8),
)


@given(st.lists(segments, min_size=1, max_size=4))
def test_generated_messages_split_exactly_as_python_hl7_splits_them(body: list[str]) -> None:
    text = "\r".join(["MSH|^~\\&|A|B|C|D|2025||ADT^A04|1|P|2.5.1", *body])

    assert_agrees_with_python_hl7(text.encode())
