"""A demographic edit re-files its record in the identity index (DESIGN §5).

A record is filed in the matcher's index when the engine first sees it (its ``*.created`` event,
or the first event it hears of it). Later edits of the values that identify a person (a new
email, a corrected birth date, a name change) are synced as writes, and are filed too: the
record's identity is the values the index holds, with the changed ones replaced by the edit's
(normalized as at creation). A value the edit clears is kept: an update corrects or adds what
identifies a record, it never leaves the index with less to match on. An edit that changes
nothing the index holds files nothing.

Re-filing goes through ``register_record`` like a first registration: an automatic link follows a
better match at high confidence, a manual link never moves (``linkage.registration.plan_known``).
Replaying the same event files the same values again: no second effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

IDENTIFYING: Mapping[str, tuple[str, ...]] = {
    "legal_name": ("given", "family"),
    "date_of_birth": ("date_of_birth",),
    "phone": ("phone",),
    "email": ("email",),
}
"""The synced fields that identify a person, and the index values each one sets."""


def refiled(
    known: IdentityRecord, edited: IdentityRecord, changed: Iterable[str]
) -> IdentityRecord:
    """``known`` with the values of ``changed`` fields taken from ``edited`` (none cleared)."""
    values = {
        attribute: value
        for name in changed
        for attribute in IDENTIFYING.get(name, ())
        if (value := getattr(edited, attribute)) is not None
    }
    return replace(known, **values) if values else known


def refile(engine: Engine, edited: IdentityRecord, changed: Iterable[str]) -> bool:
    """File ``edited``'s changed identity values over the ones the index holds for its record;
    whether anything was filed (False: not filed yet, or nothing it holds changed)."""
    touched = [name for name in changed if name in IDENTIFYING]
    if not touched:
        return False
    known = engine.read(lambda uow: _filed(uow, edited.key))
    if known is None:
        return False
    record = refiled(known, edited, touched)
    if record == known:
        return False
    engine.register_record(record)
    return True


def _filed(uow: AbstractUnitOfWork, key: RecordKey) -> IdentityRecord | None:
    return uow.identity.index.get(key)
