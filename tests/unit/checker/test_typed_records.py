"""The reader's typed fast path reads every record exactly as the general (dict) path does.

``typed_values`` decodes a well-formed record straight into its 17 values; anything else
returns None and goes the general way (``orjson`` into a dict, ``record_checks``). The claim:
whatever the fast path accepts, the general path reads to the same values of the same types,
and every record the simulators write takes the fast path (so the mutation corpus judges it).
"""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.harness.checker.record_checks import RECORD_KEYS
from splitbrain.harness.checker.typed_records import typed_values
from tests.properties.checker_histories import PLANTERS, generate

_general = itemgetter(*RECORD_KEYS)

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False,
    allow_infinity=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner,
    max_size=2),
    max_leaves=4,
)  # fmt: skip
_good = {
    "index": st.integers(0, 10**6),
    "op": st.none() | st.integers(0, 10**6),
    "time": st.text(max_size=8),
    "mono_ns": st.integers(0, 2**62),
    "system": st.sampled_from(["crm", "ehr", "portal"]),
    "process": st.text(max_size=6),
    "type": st.sampled_from(["invoke", "ok", "fail", "info", "other"]),
    "f": st.text(max_size=6),
    "key": st.text(max_size=6),
    "field": st.none() | st.text(max_size=6),
    "base_version": st.none() | st.text(max_size=3),
    "new_version": st.none() | st.text(max_size=3),
    "value": st.none() | st.text(max_size=3),
    "fields": st.none() | st.dictionaries(st.text(max_size=4), _json, max_size=3),
    "idempotency_key": st.none() | st.text(max_size=4),
    "attempt": st.none() | st.integers(0, 9),
    "outcome": st.none() | st.text(max_size=6),
}


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    """A record whose keys may be missing, extra, or of any JSON type."""
    record: dict[str, Any] = {key: draw(values) for key, values in _good.items()}
    for key in draw(st.lists(st.sampled_from(RECORD_KEYS), max_size=2, unique=True)):
        if draw(st.booleans()):
            del record[key]
        else:
            record[key] = draw(_json)
    if draw(st.booleans()):
        record[draw(st.text(max_size=4))] = draw(_json)
    return record


def _typed(values: tuple[Any, ...]) -> list[tuple[type, Any]]:
    return [(type(v), v) for v in values]


@given(_records())
def test_typed_path_reads_what_the_general_path_reads_or_declines(record: dict[str, Any]) -> None:
    line = orjson.dumps(record)

    fast = typed_values(line)

    if fast is not None:
        assert _typed(fast) == _typed(_general(orjson.loads(line)))


def test_typed_path_declines_a_bool_where_an_integer_belongs() -> None:
    given_ = {"index": 0, "time": "t", "mono_ns": 1, "system": "crm", "process": "p",
              "type": "invoke", "f": "read", "key": "K/1"}  # fmt: skip
    record = dict.fromkeys(RECORD_KEYS) | given_

    assert typed_values(orjson.dumps(record)) is not None
    assert typed_values(orjson.dumps(record | {"attempt": True})) is None
    assert typed_values(orjson.dumps(record | {"mono_ns": 1.0})) is None
    assert typed_values(orjson.dumps({k: v for k, v in record.items() if k != "op"})) is None
    assert typed_values(b"  \n") is None


def test_every_simulator_record_of_the_mutation_corpus_takes_the_typed_path() -> None:
    codes = itertools.chain([None], PLANTERS)
    for seed, code in enumerate(codes):
        history = generate(seed, code)
        for source in history.model.s.sources():
            for line in source.lines():
                assert typed_values(line) is not None, (code, source.label, line)
