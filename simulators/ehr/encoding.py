"""Response bodies as bytes: compact JSON, UTF-8, exactly as ``json.dumps`` writes it.

The EHR answered with ``json.dumps(body, ensure_ascii=False, separators=(",", ":"))`` from the
start; clients may compare bodies byte for byte. ``orjson`` writes the same bytes about fifteen
times faster for everything except floats (``1e+16`` vs ``1e16``, ``NaN``) and integers beyond
64 bits, so a body holding a float, or one orjson refuses, is written by ``json.dumps``::

    encode_json({"resourceType": "Patient", "name": [{"family": "Zoë"}]})
    # b'{"resourceType":"Patient","name":[{"family":"Zo\\xc3\\xab"}]}'
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["encode_json"]


def encode_json(body: Any) -> bytes:
    """``json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()``, faster."""
    if _plain(body):
        try:
            return orjson.dumps(body)
        except TypeError:  # orjson.JSONEncodeError: big ints, non-str keys, bad surrogates
            pass
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


_LEAVES = frozenset({str, int, bool, type(None)})
_BRANCHES = frozenset({dict, list, tuple})


def _plain(node: Any) -> bool:
    """Only dicts, lists, tuples, strings, ints, bools and None: what orjson writes alike."""
    kind = type(node)
    if kind is dict:
        children: Any = node.values()
    elif kind is list or kind is tuple:
        children = node
    else:
        return kind in _LEAVES
    for child in children:
        kind = type(child)
        if kind not in _LEAVES and (kind not in _BRANCHES or not _plain(child)):
            return False
    return True
