"""What every sync store does the same way: incident ids, input checks, depth keys, errors.

Incident ids are derived from what went to dead letters (``inc-`` and 16 hex digits of a hash
of the kind and the ref), so dead-lettering the same item again after a crash finds the incident
it already opened instead of opening a second one, on every store alike.

Example::

    incident_id(INBOX_DEAD_LETTER, "crm:evt-12")   # 'inc-...' , the same on every call
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from splitbrain.engine.service_layer.errors import StoreError
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxState, QueueDepths

INBOX_DEAD_LETTER = "inbox_dead_letter"
OUTBOX_DEAD_LETTER = "outbox_dead_letter"


def incident_id(kind: str, ref: str) -> str:
    digest = hashlib.sha256(f"{kind}\x00{ref}".encode()).hexdigest()
    return f"inc-{digest[:16]}"


def check_terminal(event_id: str, state: InboxState) -> None:
    """``finish_inbox`` moves an item to a terminal state only; anything else is a caller bug."""
    if not state.terminal:
        raise ValueError(
            f"finish_inbox({event_id!r}) was given the open state {state.value!r}; finish with "
            "a terminal state (applied, deduplicated, rejected, escalated, dead_lettered), or "
            "use release_inbox to give the item back"
        )


def check_claim(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"a claim takes at least one item; got limit={limit}")


def zero_depths() -> tuple[dict[str, int], dict[str, int]]:
    """Inbox and outbox counters with every state present, so a gauge never disappears."""
    return {s.value: 0 for s in InboxState}, {s.value: 0 for s in OutboxState}


def depths_from(
    inbox: Iterable[tuple[str, int]], outbox: Iterable[tuple[str, int]], open_incidents: int
) -> QueueDepths:
    """Depths from ``(state, count)`` pairs; states with no rows count zero."""
    inbox_depths, outbox_depths = zero_depths()
    inbox_depths.update((str(state), int(count)) for state, count in inbox)
    outbox_depths.update((str(state), int(count)) for state, count in outbox)
    return QueueDepths(inbox=inbox_depths, outbox=outbox_depths, open_incidents=open_incidents)


def unknown_event(event_id: str) -> StoreError:
    return StoreError(
        f"no inbox item {event_id!r} in the sync store; only an event stored with receive() "
        "can be finished, released or dead-lettered"
    )


def unknown_effect(effect_id: str) -> StoreError:
    return StoreError(
        f"no outbox effect {effect_id!r} in the sync store; effects enter the outbox only "
        "through finish_inbox(effects=...)"
    )
