"""``message_after_revocation``: a message went out after the patient's revoke was acknowledged.

For one person and one purpose and channel (``HMARKT:sms``), a send is a violation when a
revoke (or an expiry) was acknowledged before the send began, and no grant could have restored
consent in between. Jepsen's rules for concurrency apply: a revoke still in flight when the
send began is concurrent with it and excuses nothing and condemns nothing; a grant that did not
certainly finish before the revoke began may have come after it; an ``info`` grant may have
taken effect at any moment after it was invoked. Only ``ok`` sends count.

Revokes are kept in acknowledgement order with a running maximum of their invoke times, grants
in invoke order with a running maximum of their (possible) completion times, so each send is
judged with two binary searches.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.consent_log import ConsentTrail
from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation

__all__ = ["MessageAfterRevocation", "RevokeIndex"]


class RevokeIndex:
    """One trail's revokes and grants, indexed to judge each send in O(log n)."""

    def __init__(self, trail: ConsentTrail) -> None:
        self._acked = [r.mono for r in trail.revokes]  # stream order: acknowledgement order
        self._latest: list[Operation] = []
        for revoke in trail.revokes:
            best = self._latest[-1] if self._latest else revoke
            self._latest.append(revoke if revoke.invoke_mono >= best.invoke_mono else best)
        grants = sorted(trail.grants, key=lambda g: g.invoke_mono)
        self._granted_from = [g.invoke_mono for g in grants]
        self._granted_by: list[float] = []
        for grant in grants:
            done = grant.mono if grant.type == OK else math.inf
            self._granted_by.append(max(done, self._granted_by[-1]) if self._granted_by else done)

    def violating_revoke(self, send: Operation) -> Operation | None:
        """The revoke that makes ``send`` a violation, or None if it may have been allowed."""
        cut = bisect.bisect_left(self._acked, send.invoke_mono)
        if cut == 0:
            return None
        latest = self._latest[cut - 1]
        granted = bisect.bisect_left(self._granted_from, send.invoke_mono)
        if granted and self._granted_by[granted - 1] >= latest.invoke_mono:
            return None
        return latest


class MessageAfterRevocation:
    code: ClassVar[AnomalyCode] = AnomalyCode.MESSAGE_AFTER_REVOCATION

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def handlers(self) -> Mapping[str, Handler]:
        consent = self._ctx.consent
        return {"consent.*": consent.on_consent, "send_message": consent.on_send}

    def finish(self) -> list[Anomaly]:
        found: list[Anomaly] = []
        for (person, purpose_channel), trail in self._ctx.consent.items():
            if not trail.revokes or not trail.sends:
                continue
            index = RevokeIndex(trail)
            for send in trail.sends:
                revoke = index.violating_revoke(send)
                if revoke is not None:
                    found.append(self._report(person, purpose_channel, revoke, send))
        return found

    def _report(
        self, person: str, purpose_channel: str, revoke: Operation, send: Operation
    ) -> Anomaly:
        words = self._ctx.wording
        how = "withdrew consent for" if revoke.f == "consent.revoke" else "had consent expire for"
        return Anomaly(
            code=self.code,
            witnesses=(revoke.witness("revoke acknowledged"), send.witness("message sent")),
            person=person,
            field=purpose_channel,
            system=send.system,
            explanation=(
                f"{person} {how} {words.consent(purpose_channel)} in "
                f"{words.system(revoke.system)}, and the system confirmed it; after that "
                f"confirmation, {send.process} still sent such a message from "
                f"{words.system(send.system)} ({send.key}). Consent must be checked at the "
                "moment of sending, and a revoke must reach every system at once."
            ),
        )
