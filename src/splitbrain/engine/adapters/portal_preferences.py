"""The engine's writes to a portal account's contact preferences, conditional on their version.

The preferences are a part of the account with their own version (``GET/PATCH
/accounts/{id}/preferences``, ``ETag``). The engine sends ``If-Match`` with the version it last
saw (``sync.parts``: from the preferences' change events and its own answers); with none seen
yet it reads the version first. A 412 means someone changed them since: most often the patient,
whose choice the engine has not decided yet. Then:

- if the portal already holds the value being written (the engine's own earlier write whose
  answer was lost), the write is done;
- else the answer stays 412 (``Outcome.STALE``) and the sender re-decides: the effect is
  cancelled once the engine holds a newer decision, and retried (on the version the engine has
  seen by then) otherwise. The version read here is NOT taken as seen: only the change's own
  event, once decided, is, so an older value never overwrites a choice the engine has not
  weighed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.parts import note_part_version, part_version
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome

if TYPE_CHECKING:
    from splitbrain.engine.adapters.sync_targets import PortalTarget

DO_NOT_CONTACT = "do_not_contact"
"""The portal's word for ``no_contact`` in the matrix's table: its ``do_not_contact`` flag, kept
apart from the preferred channel; every other value is a ``preferred_channel``."""
PART = "preferences"
"""The part's name: its path under the account, and its id (``{account}/preferences``) in
``sync.parts`` (the webhook translator names it the same way)."""


def write_preferences(
    target: PortalTarget, effect: OutboxEffect, account: str, channel: str
) -> Delivery:
    """PATCH the account's preferences to ``channel`` (the portal's own value): its
    ``preferred_channel``, or for ``DO_NOT_CONTACT`` its ``do_not_contact`` flag."""
    path = f"/accounts/{quote(account)}/{PART}"
    part = f"{account}/{PART}"
    what = f"account {account} preferences"
    version = part_version(target.store, "portal", part)
    if version is None:  # never seen: the version of what this write replaces
        seen = target._done(target.http.get(path), f"read {what}", account)
        if seen.outcome is not Outcome.DONE:
            return seen
        version = seen.version
    change: dict[str, object] = (
        {DO_NOT_CONTACT: True} if channel == DO_NOT_CONTACT else {"preferred_channel": channel}
    )
    response = target.http.patch(path, json=change, headers=target._headers(effect, version))
    result = target._done(response, what, account)
    if result.outcome is Outcome.DONE:
        _seen(target, part, result.version)
    elif result.outcome is Outcome.STALE:  # the engine's own write, its answer lost?
        read = target.http.get(path)
        current = target._done(read, f"read {what}", account)
        held = read.json() if current.outcome is Outcome.DONE else {}
        if all(held.get(name) == value for name, value in change.items()):
            _seen(target, part, current.version)
            return Delivery(Outcome.DONE, current.status, f"{what} already hold the value")
    return result


def _seen(target: PortalTarget, part: str, version: str | None) -> None:
    if version is not None:
        note_part_version(target.store, "portal", part, version)
