"""FHIR search: parse a query string into a ``SearchQuery`` and test resources against it.

Repeated parameters are ANDed, comma-separated values ORed. Strings match case- and
accent-insensitively by prefix (``:exact``, ``:contains``); tokens as ``[system]|[code]``; dates
with the prefixes eq, ne, gt, lt, ge, le (sa, eb as gt, lt) over precision ranges::

    query = parse_query("Patient", [("family", "Nguyen"), ("birthdate", "ge1980")])
    [v.id for v in run(query, table)]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from simulators.ehr.errors import FhirBadRequest
from simulators.ehr.search_params import IGNORED_PARAMS, PARAMS, RESULT_PARAMS, SearchParam
from simulators.ehr.versions import ResourceTable, Version, id_order

DEFAULT_COUNT: Final = 20
MAX_COUNT: Final = 1000
_MODIFIERS: Final = {"string": {None, "exact", "contains"}}
_PREFIXES: Final = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")

Range = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Criterion:
    param: SearchParam
    modifier: str | None
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    resource_type: str
    criteria: tuple[Criterion, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: str | None = None
    summary_count: bool = False
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """A PHI-free description for the history: type and parameter names, no values."""
        names = sorted({c.param.name for c in self.criteria})
        return f"{self.resource_type}?{','.join(names)}"


def parse_query(resource_type: str, pairs: Iterable[tuple[str, str]]) -> SearchQuery:
    known = PARAMS[resource_type]
    criteria: list[Criterion] = []
    result: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    for raw_name, value in pairs:
        name, _, modifier = raw_name.partition(":")
        if name in IGNORED_PARAMS:
            continue
        kept.append((raw_name, value))
        if name in RESULT_PARAMS:
            result[name] = value
            continue
        param = known.get(name)
        if param is None:
            raise FhirBadRequest(
                f"unknown search parameter {name!r} for {resource_type}; supported: "
                f"{', '.join(sorted(known))}, {', '.join(sorted(RESULT_PARAMS))}"
            )
        if (modifier or None) not in _MODIFIERS.get(param.kind, {None}):
            raise FhirBadRequest(f"modifier {modifier!r} is not supported on parameter {name!r}")
        values = tuple(v for v in value.split(",") if v != "")
        if param.kind == "date":
            for item in values:
                _date_param(name, item)
        criteria.append(Criterion(param, modifier or None, values))
    return SearchQuery(
        resource_type,
        tuple(criteria),
        count=min(_int_param(result, "_count", DEFAULT_COUNT), MAX_COUNT),
        offset=_int_param(result, "_offset", 0),
        sort=_sort_param(result.get("_sort")),
        summary_count=result.get("_summary") == "count",
        pairs=tuple(kept),
    )


def run(query: SearchQuery, table: ResourceTable) -> list[Version]:
    """Every live resource matching ``query``, sorted as asked (creation order by default)."""
    candidates = _candidates(query, table)
    found = [v for v in candidates if matches(query, v)]
    if query.sort is not None:
        descending = query.sort.startswith("-")
        if query.sort.lstrip("-") == "_lastUpdated":
            found.sort(key=lambda v: v.last_updated, reverse=descending)
        else:
            found.sort(key=lambda v: id_order(v.id), reverse=descending)
    return found


def matches(query: SearchQuery, version: Version) -> bool:
    return version.resource is not None and all(
        _criterion_holds(c, version) for c in query.criteria
    )


def _candidates(query: SearchQuery, table: ResourceTable) -> Sequence[Version]:
    for criterion in query.criteria:
        if criterion.param.name == "identifier" and len(criterion.values) == 1:
            system, bar, value = criterion.values[0].rpartition("|")
            if value:
                ids = table.with_identifier(query.resource_type, system if bar else None, value)
                found = (table.current(query.resource_type, i) for i in sorted(ids, key=id_order))
                return [v for v in found if v is not None]
    return list(table.live(query.resource_type))


def _criterion_holds(criterion: Criterion, version: Version) -> bool:
    found = list(criterion.param.extract(version))
    kind = criterion.param.kind
    return any(_value_holds(kind, criterion.modifier, v, found) for v in criterion.values)


def _value_holds(kind: str, modifier: str | None, wanted: str, found: list[Any]) -> bool:
    if kind == "string":
        return any(_string_match(modifier, wanted, f) for f in found)
    if kind == "token":
        return any(_token_match(wanted, f) for f in found)
    if kind == "reference":
        return any(_reference_key(f) == _reference_key(wanted) for f in found)
    prefix, target = _date_param("date", wanted)
    return any(_date_match(prefix, target, _as_range(f)) for f in found)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _string_match(modifier: str | None, wanted: str, found: str) -> bool:
    if modifier == "exact":
        return found == wanted
    if modifier == "contains":
        return _fold(wanted) in _fold(found)
    return _fold(found).startswith(_fold(wanted))


def _token_match(wanted: str, found: tuple[str | None, str]) -> bool:
    system, code = found
    if "|" not in wanted:
        return code == wanted or (system == "email" and code == wanted.casefold())
    want_system, _, want_code = wanted.partition("|")
    if want_system == "":
        return system is None and code == want_code
    if system != want_system:
        return False
    return want_code in ("", code) or code == want_code.casefold()


def _reference_key(reference: str) -> str:
    parts = reference.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else f"Patient/{parts[-1]}"


def _date_param(name: str, value: str) -> tuple[str, Range]:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] in _PREFIXES else value
    try:
        return prefix, _as_range(text)
    except ValueError:
        raise FhirBadRequest(
            f"parameter {name!r} has a value that is not a FHIR date or dateTime "
            "(YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[Z|+hh:mm], optionally prefixed "
            "by eq, ne, gt, lt, ge, le)"
        ) from None


def _as_range(value: object) -> Range:
    if isinstance(value, datetime):
        return value, value + timedelta(microseconds=1)
    text = str(value)
    if len(text) == 4:
        start = datetime(int(text), 1, 1, tzinfo=UTC)
        return start, start.replace(year=start.year + 1)
    if len(text) == 7:
        start = datetime(int(text[:4]), int(text[5:7]), 1, tzinfo=UTC)
        end = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else (start.replace(month=start.month + 1))
        )
        return start, end
    if len(text) == 10:
        start = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return start, start + timedelta(days=1)
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant
    step = timedelta(microseconds=1) if "." in text else timedelta(seconds=1)
    if len(text.split("T")[1]) == 5:
        step = timedelta(minutes=1)
    return instant.astimezone(UTC), instant.astimezone(UTC) + step


def _date_match(prefix: str, target: Range, found: Range) -> bool:
    low, high = target
    start, end = found
    equal = low <= start and end <= high
    rules = {
        "eq": equal,
        "ne": not equal,
        "gt": end > high,
        "sa": start >= high,
        "lt": start < low,
        "eb": end <= low,
        "ge": end > low,
        "le": start < high,
    }
    return rules[prefix]


def _int_param(result: dict[str, str], name: str, default: int) -> int:
    raw = result.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise FhirBadRequest(f"parameter {name!r} must be a non-negative integer")
    return int(raw)


def _sort_param(raw: str | None) -> str | None:
    if raw is None or raw.lstrip("-") in ("_lastUpdated", "_id"):
        return raw
    raise FhirBadRequest("parameter '_sort' supports _lastUpdated, -_lastUpdated, _id, -_id")
