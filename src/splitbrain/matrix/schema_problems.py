"""Translate pydantic validation errors into ``Problem``s a matrix author can act on.

Each problem names the YAML path, its line, what was found and what was expected, and for an
unknown key or enum value, the closest valid spelling.

Example::

    fields.medication_plan.conflict_rule: found 'last_write_wins'; expected one of
    'owner_authoritative', ..., 'manual_review'
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from datetime import date
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from splitbrain.matrix.errors import Problem
from splitbrain.matrix.marks import SourceMap, path_text

_EXPECTED_BY_TYPE = {
    "string_type": "text; quote it if YAML reads it as a number, a date or true/false",
    "string_pattern_mismatch": "a snake_case name (lowercase letters, digits and _, "
    "starting with a letter)",
    "string_too_short": "a non-empty text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}


def problems_from(exc: ValidationError, source: SourceMap, root: type[BaseModel]) -> list[Problem]:
    """One ``Problem`` per pydantic error of validating ``root``, in file order."""
    file = source.file or "<yaml>"
    problems = [_problem(error, source, file, root) for error in exc.errors(include_url=False)]
    return sorted(problems, key=lambda p: (p.line or 0, p.path))


def _problem(error: ErrorDetails, source: SourceMap, file: str, root: type[BaseModel]) -> Problem:
    loc = list(error["loc"])
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:  # pydantic reports a bad key as (..., key, "[key]"), with True turned into 1
        loc[-2:] = [error["input"]]
    parts = tuple(part for part in loc if isinstance(part, str | int))
    found = f"the key {describe(error['input'])}" if is_key else _found(error)
    return Problem(
        file=file,
        path=path_text(parts),
        line=source.line_of(parts),
        found=found,
        expected=_expected(error, parts, root),
    )


def _found(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "nothing: the key is missing"
    if kind == "extra_forbidden":
        return f"the unknown key {error['loc'][-1]!r}"
    return describe(error["input"])


def describe(value: object) -> str:
    """How a YAML value reads back to its author: ``'incare'``, ``3 (a number)``, ``a list``."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"{value} (a number)"
    if isinstance(value, date):
        return f"{value.isoformat()} (a date)"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _expected(error: ErrorDetails, loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"a value for {loc[-1]!r}" if loc else "a value"
    if kind == "extra_forbidden":
        return _allowed_keys(loc, root)
    if "expected" in ctx and kind != "enum":
        return str(ctx["expected"])
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "enum":
        return f"one of {ctx.get('expected', '')}{_suggest(error['input'], _enum_values(ctx))}"
    if kind in {"too_short", "string_too_short"} and "min_length" in ctx:
        return f"at least {ctx['min_length']} entr{'y' if ctx['min_length'] == 1 else 'ies'}"
    return _EXPECTED_BY_TYPE.get(kind, error["msg"])


def _enum_values(ctx: dict[str, Any]) -> list[str]:
    return [
        part.strip(" '") for part in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
    ]


def _allowed_keys(loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    model = _model_at(loc[:-1], root)
    if model is None:
        return "no such key here"
    names = list(model.model_fields)
    return f"one of the keys {', '.join(names)}{_suggest(loc[-1], names)}"


def _suggest(found: object, choices: Sequence[str]) -> str:
    if not isinstance(found, str):
        return ""
    close = difflib.get_close_matches(found, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(loc: Sequence[str | int], root: type[BaseModel]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for listing its keys)."""
    annotation: Any = root
    for part in loc:
        model = _as_model(annotation)
        if model is not None:
            field = model.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
            continue
        annotation = _item_type(annotation)
        if annotation is None:
            return None
    return _as_model(annotation)


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _without_none(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _item_type(annotation: Any) -> Any:
    """The item type inside ``dict[K, V]``, ``list[V]`` or ``tuple[V, ...]``, else None."""
    annotation = _without_none(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in {list, tuple, set, frozenset} and args:
        return args[0]
    return None


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in {Union, types.UnionType}:
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation
