"""Consents per purpose (HL7 v3 ActReason) and channel, packed into one int per person.

A person has 5 purposes x 5 channels = 25 yes/no answers. Holding them as a bitmask keeps a
million persons lean; :class:`Consents` is the readable view.

>>> c = Consents.from_pairs([("TREAT", "sms"), ("HMARKT", "email")])
>>> c.allows("HMARKT", "email"), c.allows("HMARKT", "sms")
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from simulators.population.errors import PopulationConfigError

__all__ = ["CHANNELS", "PURPOSES", "Consents"]

#: HL7 v3 ActReason codes: treatment, payment, operations, marketing, research.
PURPOSES: tuple[str, ...] = ("TREAT", "HPAYMT", "HOPERAT", "HMARKT", "HRESCH")
#: Contact channels a consent can be given for.
CHANNELS: tuple[str, ...] = ("sms", "email", "phone", "portal", "mail")


_PAIRS: tuple[tuple[str, str], ...] = tuple((p, c) for p in PURPOSES for c in CHANNELS)
_BITS: dict[tuple[str, str], int] = {pair: 1 << i for i, pair in enumerate(_PAIRS)}


def _bit(purpose: str, channel: str) -> int:
    try:
        return _BITS[(purpose, channel)]
    except KeyError:
        raise PopulationConfigError(
            f"consent ({purpose!r}, {channel!r}) is unknown: purposes are {PURPOSES}, "
            f"channels are {CHANNELS}"
        ) from None


@dataclass(frozen=True, slots=True)
class Consents:
    """The granted (purpose, channel) pairs of one person; everything else is denied."""

    bits: int = 0

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Consents:
        bits = 0
        for purpose, channel in pairs:
            bits |= _bit(purpose, channel)
        return cls(bits)

    def allows(self, purpose: str, channel: str) -> bool:
        return bool(self.bits & _bit(purpose, channel))

    def granted(self) -> Iterator[tuple[str, str]]:
        """The granted pairs, purposes then channels in declaration order."""
        return (pair for i, pair in enumerate(_PAIRS) if self.bits >> i & 1)

    def as_codes(self) -> list[str]:
        """``["TREAT:sms", ...]``: the form used in the ground truth and the CSV."""
        return list(_codes(self.bits))


@lru_cache(maxsize=4096)
def _codes(bits: int) -> tuple[str, ...]:
    return tuple(f"{p}:{c}" for i, (p, c) in enumerate(_PAIRS) if bits >> i & 1)
