"""Where a write goes: the live person its addressee stands for (DESIGN §5, merge redirects).

A system that still holds a retired person's id (it wrote before the merge reached it, or it
never heard of the merge) keeps addressing writes to that id. The write must reach the
survivor: never the retired person (that would bring it back to life with fields nobody
reads) and never a new person. The addressee is resolved through its ``merged_into`` chain
(bounded and cycle-safe: ``persons.resolve``); an unmerge ends the redirect, so writes to the
restored person reach it again.

A redelivery is decided as it was first delivered: a write whose key and payload match the
first decision is not re-routed (it is a ``DuplicateDelivery`` of the first one, wherever that
went), and a redelivery of a write that was routed matches its routed form.

Example::

    write, redirected = route_write(write, prior, persons.resolve, at=now)
    # write.person == "per_000001" (the survivor); redirected names "per_000002" -> survivor
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from splitbrain.engine.domain.write import Write

__all__ = ["WriteRedirected", "route_write"]


@dataclass(frozen=True, slots=True)
class WriteRedirected:
    """A write addressed to a retired person went to the survivor that person redirects to."""

    idempotency_key: str
    field: str
    addressed_to: str
    person: str
    """The live person the write was decided for."""
    source_system: str
    source_record: str
    at: datetime


def route_write(
    write: Write, prior: Write | None, resolve: Callable[[str], str], *, at: datetime
) -> tuple[Write, WriteRedirected | None]:
    """``write`` addressed to the live person, and the redirect event (None: not redirected).

    ``prior`` is the write of the first decision under the same idempotency key, if any.
    """
    if prior is not None and prior.payload() == write.payload():
        return write, None  # a redelivery: the first decision stands, wherever it went
    person = resolve(write.person)
    if person == write.person:
        return write, None
    routed = replace(write, person=person)
    event = WriteRedirected(
        write.idempotency_key,
        write.field,
        write.person,
        person,
        write.source_system,
        write.source_record,
        at,
    )
    return routed, event
