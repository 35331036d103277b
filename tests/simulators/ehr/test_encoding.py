"""Response bodies are byte for byte what ``json.dumps`` wrote before ``orjson`` took over."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.encoding import encode_json

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _reference(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@given(_JSON)
def test_encode_json_writes_exactly_what_json_dumps_writes(body: Any) -> None:
    try:
        expected = _reference(body)
    except UnicodeEncodeError:  # a lone surrogate: json.dumps fails, and so must encode_json
        return

    assert encode_json(body) == expected


def test_floats_big_ints_and_tuples_keep_the_json_dumps_form() -> None:
    body = {"a": 1e16, "b": 1e-07, "c": float("nan"), "d": 2**64, "e": (1, "x"), "f": {1: 2}}

    assert encode_json(body) == _reference(body)
