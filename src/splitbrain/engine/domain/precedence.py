"""The default precedence ladder and recency: step 6 of ``decide()`` (DESIGN §4).

provider_verified > validated_workflow > user_entered > automation; between equal provenances
the write that happened later wins; an exact tie (same provenance, same instant) cannot be
decided and escalates. This is never a global last-write-wins: time only breaks ties between
equally trusted writes.

A side whose provenance is unknown (a field state seeded without one) ranks below automation; a
side whose time is unknown is older than any known time.

Example::

    ladder(Provenance.USER_ENTERED, t2, Provenance.PROVIDER_VERIFIED, t1)   # -> -1 (loses)
"""

from __future__ import annotations

from datetime import datetime

from splitbrain.engine.domain.policy import Provenance

__all__ = ["ladder", "rank", "recency"]


def rank(provenance: Provenance | None) -> int:
    """The ladder rank of ``provenance``; 0 when unknown."""
    return 0 if provenance is None else provenance.rank


def recency(incoming: datetime | None, current: datetime | None) -> int:
    """+1 when ``incoming`` happened later than ``current``, -1 when earlier, 0 when the same."""
    if incoming == current:
        return 0
    if current is None:
        return 1
    if incoming is None:
        return -1
    return 1 if incoming > current else -1


def ladder(
    incoming: Provenance | None,
    incoming_at: datetime | None,
    current: Provenance | None,
    current_at: datetime | None,
) -> int:
    """+1 when the incoming side outranks the current one, -1 when it is outranked, 0 on a tie.

    Rank first, then recency; 0 only for the same rank at the same instant.
    """
    a, b = rank(incoming), rank(current)
    if a != b:
        return 1 if a > b else -1
    return recency(incoming_at, current_at)
