"""Per-field comparison levels: how far two normalized records agree on one thing.

A comparison maps a pair of records to a *level*: an index into its ``labels`` (best first,
the last is always ``else``), or :data:`NULL` when either side lacks the value, which then
weighs nothing. Levels are symmetric: ``level(a, b) == level(b, a)``. The string similarity is
injected (:class:`~splitbrain.engine.domain.identity.ports.SimilarityFunction`; Jaro-Winkler
via rapidfuzz in the adapters), and so is the nickname table (:class:`NameEquivalence`).

>>> from splitbrain.engine.domain.identity.record import IdentityRecord as R
>>> BirthDate("date_of_birth").label(R("a", "1", date_of_birth="1980-03-04"),
...                                  R("b", "2", date_of_birth="1980-04-03"))
'day_month_swap'
"""

from __future__ import annotations

from typing import Protocol

from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.ports import EditCheck, SimilarityFunction
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = [
    "COMPARISON_KINDS",
    "NULL",
    "Address",
    "BirthDate",
    "Comparison",
    "Email",
    "Exact",
    "FuzzyText",
    "NameEquivalence",
    "PersonName",
    "build_comparison",
    "fuzzy_label",
    "one_edit",
]

NULL = -1
"""The level of a pair where either side has no value: it adds no weight."""


class NameEquivalence(Protocol):
    """The nickname table: ``related("bob", "robert")`` is True; must be symmetric.
    ``variants("bob")`` lists the names ``bob`` is related to (``robert``, ``rob``...)."""

    def related(self, left: str, right: str) -> bool: ...

    def variants(self, name: str) -> frozenset[str]: ...


def fuzzy_label(threshold: float) -> str:
    """The label of a Jaro-Winkler band: ``jw>=0.92``."""
    return f"jw>={threshold:g}"


def _common_prefix(left: str, right: str) -> int:
    """Length of the common prefix, by bisection on slices (C-speed compares)."""
    low, high = 0, min(len(left), len(right))
    while low < high:
        middle = (low + high + 1) // 2
        if left[:middle] == right[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def one_edit(left: str, right: str) -> bool:
    """True when the strings differ by exactly one edit: a character substituted, inserted or
    deleted, or two adjacent characters swapped (Damerau-Levenshtein distance 1)."""
    if left == right or abs(len(left) - len(right)) > 1:
        return False
    # One edit (at most two adjacent characters) leaves a long prefix or a long suffix intact.
    half = (min(len(left), len(right)) - 2) // 2
    if half > 0 and left[:half] != right[:half] and left[-half:] != right[-half:]:
        return False
    start = _common_prefix(left, right)
    a, b = left[start:], right[start:]
    if len(a) == len(b):
        return a[1:] == b[1:] or (len(a) >= 2 and a[0] == b[1] and a[1] == b[0] and a[2:] == b[2:])
    return a[1:] == b if len(a) > len(b) else a == b[1:]


class Comparison:
    """A named comparison of one field (or a group of fields), with its level labels."""

    __slots__ = ("field", "labels", "name", "tf_field")

    def __init__(self, name: str, field: str, labels: tuple[str, ...]) -> None:
        self.name = name
        self.field = field
        self.labels = labels
        self.tf_field: str | None = None

    def level(self, left: IdentityRecord, right: IdentityRecord) -> int:
        a, b = getattr(left, self.field), getattr(right, self.field)
        if a is None or b is None:
            return NULL
        if a == b:
            return 0
        return self._differing(a, b)

    def _differing(self, a: str, b: str) -> int:
        return len(self.labels) - 1

    def differing(self, a: str, b: str) -> int:
        """The level of two present, unequal values of ``field`` (a matcher's hot loop reads
        the values itself and calls this; only for a :attr:`single_field` comparison)."""
        return self._differing(a, b)

    @property
    def single_field(self) -> bool:
        """Whether the level depends on ``field`` alone (then ``differing`` applies)."""
        return type(self).level is Comparison.level

    def label(self, left: IdentityRecord, right: IdentityRecord) -> str:
        """The level's label, ``null`` for a missing value."""
        index = self.level(left, right)
        return "null" if index == NULL else self.labels[index]


class Exact(Comparison):
    """``exact`` or ``else`` (sex, state)."""

    __slots__ = ()

    def __init__(self, name: str, field: str | None = None) -> None:
        super().__init__(name, field or name, ("exact", "else"))


class OneEdit(Comparison):
    """``exact``, ``one_edit`` (one character wrong, missing, extra, or two swapped), ``else``:
    for phones, emails and identifiers, whose near misses are typing slips."""

    __slots__ = ("_one_edit",)

    def __init__(self, name: str, field: str | None = None, *, edits: EditCheck = one_edit) -> None:
        super().__init__(name, field or name, ("exact", "one_edit", "else"))
        self._one_edit = edits

    def _differing(self, a: str, b: str) -> int:
        return 1 if self._one_edit(a, b) else 2


class Email(OneEdit):
    """An email: ``exact``, ``one_edit`` (a slip in a letter: a digit that differs says
    another account, ``john.smith.50`` is not ``john.smith.51``), ``else``."""

    __slots__ = ()

    def _differing(self, a: str, b: str) -> int:
        if self._one_edit(a, b) and "".join(filter(str.isdigit, a)) == "".join(
            filter(str.isdigit, b)
        ):
            return 1
        return 2


class BirthDate(Comparison):
    """ISO dates: ``exact``, ``day_month_swap``, ``one_digit`` (one digit off or two swapped),
    ``else``."""

    __slots__ = ("_one_edit",)

    def __init__(self, name: str, field: str | None = None, *, edits: EditCheck = one_edit) -> None:
        super().__init__(name, field or name, ("exact", "day_month_swap", "one_digit", "else"))
        self._one_edit = edits

    def _differing(self, a: str, b: str) -> int:
        if len(a) == 10 and a[:4] == b[:4] and a[5:7] == b[8:] and a[8:] == b[5:7]:
            return 1
        return 2 if self._one_edit(a, b) else 3


class FuzzyText(Comparison):
    """``exact``, then one Jaro-Winkler band per threshold (descending), ``else``."""

    __slots__ = ("_similarity", "_thresholds")

    def __init__(
        self,
        name: str,
        field: str,
        thresholds: tuple[float, ...],
        similarity: SimilarityFunction,
        extra: tuple[str, ...] = (),
    ) -> None:
        ordered = tuple(sorted(thresholds, reverse=True))
        labels = ("exact", *extra, *(fuzzy_label(t) for t in ordered), "else")
        super().__init__(name, field, labels)
        self._thresholds = ordered
        self._similarity = similarity

    def _fuzzy(self, a: str, b: str, offset: int) -> int:
        score = self._similarity(a, b)
        for i, threshold in enumerate(self._thresholds):
            if score >= threshold:
                return offset + i
        return len(self.labels) - 1

    def _differing(self, a: str, b: str) -> int:
        return self._fuzzy(a, b, 1)


class PersonName(FuzzyText):
    """A given or family name: ``exact``; [``nickname``: related in the nickname table, also
    through one slip above the top Jaro-Winkler threshold ("robret" and "bob")]; the top
    Jaro-Winkler band (one slip in a short name counts too: Jaro-Winkler is harsh on short
    names, "amy" and "ajy" score 0.78); ``part`` (one word of a multi-word name in common:
    double surnames, a dropped middle name); the lower bands; ``else``.
    Exact agreement is term-frequency adjusted: "smith" = "smith" says less than a rare name."""

    __slots__ = ("_cache", "_nicknames", "_one_edit")

    _CACHE_SIZE = 200_000
    """Names repeat: the levels of recently compared name pairs are kept (cleared when full)."""

    def __init__(
        self,
        name: str,
        field: str,
        thresholds: tuple[float, ...],
        similarity: SimilarityFunction,
        nicknames: NameEquivalence | None = None,
        *,
        edits: EditCheck = one_edit,
    ) -> None:
        if not thresholds:
            raise ModelInvalid(
                f"name comparison {name!r} needs at least one Jaro-Winkler threshold"
            )
        extra = ("nickname",) if nicknames is not None else ()
        super().__init__(name, field, thresholds, similarity, extra)
        bands = tuple(fuzzy_label(t) for t in self._thresholds)
        self.labels = ("exact", *extra, *bands[:1], "part", *bands[1:], "else")
        self._nicknames = nicknames
        self._one_edit = edits
        self.tf_field = field
        self._cache: dict[tuple[str, str], int] = {}

    def _differing(self, a: str, b: str) -> int:
        pair = (a, b) if a < b else (b, a)  # the level is symmetric, so is the cache key
        level = self._cache.get(pair)
        if level is None:
            if len(self._cache) >= self._CACHE_SIZE:
                self._cache.clear()
            level = self._cache[pair] = self._level_of(*pair)
        return level

    def _level_of(self, a: str, b: str) -> int:
        nicknames = self._nicknames
        if nicknames is not None and (nicknames.related(a, b) or self._near_nickname(a, b)):
            return 1
        top = 1 if nicknames is None else 2
        score = self._similarity(a, b)
        thresholds = self._thresholds
        if score >= thresholds[0] or (min(len(a), len(b)) <= 4 and self._one_edit(a, b)):
            return top
        if (" " in a or " " in b) and not set(a.split()).isdisjoint(b.split()):
            return top + 1
        for i, threshold in enumerate(thresholds[1:]):
            if score >= threshold:
                return top + 2 + i
        return len(self.labels) - 1

    def _near_nickname(self, a: str, b: str) -> bool:
        assert self._nicknames is not None
        top, similarity = self._thresholds[0], self._similarity
        return any(similarity(v, b) >= top for v in self._nicknames.variants(a)) or any(
            similarity(v, a) >= top for v in self._nicknames.variants(b)
        )


class Address(Comparison):
    """The address as one comparison (its parts are not independent: a move changes them all):
    ``exact`` (line and postcode), ``line_fuzzy`` (line close, same postcode or city),
    ``postcode``, ``city`` (and state), ``else``. Null when either side has no line, postcode
    or city."""

    __slots__ = ("_similarity", "_threshold")

    def __init__(self, name: str, threshold: float, similarity: SimilarityFunction) -> None:
        super().__init__(name, "address_line", ("exact", "line_fuzzy", "postcode", "city", "else"))
        self._threshold = threshold
        self._similarity = similarity

    def level(self, left: IdentityRecord, right: IdentityRecord) -> int:
        if _no_address(left) or _no_address(right):
            return NULL
        line_a, line_b = left.address_line, right.address_line
        same_postcode = left.postcode is not None and left.postcode == right.postcode
        same_city = left.city is not None and left.city == right.city
        if line_a is not None and line_b is not None:
            near = same_postcode or same_city or left.postcode is None or right.postcode is None
            if line_a == line_b and near:
                return 0
            if near and self._similarity(line_a, line_b) >= self._threshold:
                return 1
        if same_postcode:
            return 2
        if same_city and (left.state is None or right.state is None or left.state == right.state):
            return 3
        return 4


def _no_address(record: IdentityRecord) -> bool:
    return record.address_line is None and record.postcode is None and record.city is None


COMPARISON_KINDS: tuple[str, ...] = (
    "exact",
    "one_edit",
    "email",
    "date",
    "text",
    "given_name",
    "family_name",
    "address",
)


def build_comparison(
    name: str,
    kind: str,
    field: str,
    *,
    thresholds: tuple[float, ...],
    similarity: SimilarityFunction,
    nicknames: NameEquivalence,
    edits: EditCheck = one_edit,
) -> Comparison:
    """The comparison of ``kind`` (one of :data:`COMPARISON_KINDS`) over ``field``; ``edits``
    tells one-edit pairs (the pure-Python :func:`one_edit` unless a faster one is injected)."""
    if kind == "exact":
        return Exact(name, field)
    if kind == "one_edit":
        return OneEdit(name, field, edits=edits)
    if kind == "email":
        return Email(name, field, edits=edits)
    if kind == "date":
        return BirthDate(name, field, edits=edits)
    if kind == "text":
        return FuzzyText(name, field, thresholds, similarity)
    if kind in ("given_name", "family_name"):
        table = nicknames if kind == "given_name" else None
        return PersonName(name, field, thresholds, similarity, table, edits=edits)
    if kind == "address":
        return Address(name, thresholds[0] if thresholds else 0.88, similarity)
    raise ModelInvalid(f"comparison {name!r}: kind {kind!r} is not one of {COMPARISON_KINDS}")
