"""Enforcement happens at the send, not at enqueue: a message queued before a revoke is blocked."""

from __future__ import annotations

from datetime import datetime

import pytest

from splitbrain.engine.domain.consent import (
    Consent,
    ConsentDecided,
    DecisionReason,
    EnforcementPoint,
    OutreachAlreadyDecided,
    OutreachBlocked,
    OutreachSent,
    OutreachStatus,
    QueuedMessage,
    UnknownChannel,
    UnknownPurpose,
    enforce_disclosure,
    enforce_send,
    queue_message,
)
from tests.unit.consent.conftest import ANA, DAY, T0, granted, revoked


def _send(
    message: QueuedMessage, at: datetime, consents: list[Consent]
) -> tuple[QueuedMessage, OutreachSent | OutreachBlocked]:
    return enforce_send(message, at, consents, actor="outreach", role="automation")


def test_a_message_queued_before_a_revoke_and_sent_after_it_is_blocked() -> None:
    v1 = granted()
    message = queue_message("msg-1", ANA, "HMARKT", "sms", T0, current=v1)
    v2 = revoked(v1, at=T0 + DAY)

    decided, event = _send(message, T0 + 2 * DAY, [v2])

    assert isinstance(event, OutreachBlocked)
    assert event.decision.reason is DecisionReason.REVOKED
    assert (decided.status, decided.queued_under_version, decided.decided_version) == (
        OutreachStatus.BLOCKED, 1, 2)  # fmt: skip


def test_a_message_queued_under_a_consent_that_expires_before_the_send_is_blocked() -> None:
    v1 = granted(end=T0 + DAY)
    message = queue_message("msg-1", ANA, "HMARKT", "sms", T0, current=v1)

    _, event = _send(message, T0 + DAY, [v1])

    assert isinstance(event, OutreachBlocked) and event.decision.reason is DecisionReason.EXPIRED


def test_a_message_queued_without_consent_is_sent_if_consent_was_granted_by_the_send() -> None:
    message = queue_message("msg-1", ANA, "CAREMGT", "sms", T0, current=None)
    v1 = granted("CAREMGT", "sms", at=T0 + DAY)

    decided, event = _send(message, T0 + DAY, [v1])

    assert isinstance(event, OutreachSent)
    assert (decided.queued_under_version, decided.decided_version) == (None, 1)


def test_a_message_is_decided_once() -> None:
    message = queue_message("msg-1", ANA, "HMARKT", "sms", T0, current=None)
    decided, _ = _send(message, T0, [granted()])

    with pytest.raises(OutreachAlreadyDecided, match="msg-1 is already sent"):
        _send(decided, T0, [granted()])


def test_a_message_for_an_unknown_purpose_or_channel_cannot_be_queued() -> None:
    with pytest.raises(UnknownPurpose, match="outreach message msg-1 purpose"):
        queue_message("msg-1", ANA, "PROMO", "sms", T0, current=None)
    with pytest.raises(UnknownChannel, match="outreach message msg-1 channel"):
        queue_message("msg-1", ANA, "HMARKT", "pager", T0, current=None)


def test_the_disclosure_point_decides_at_disclosure_for_the_purpose_on_any_channel() -> None:
    event = enforce_disclosure(ANA, "CAREMGT", T0, [granted("CAREMGT", "email")],
                               actor="engine", role="automation")  # fmt: skip

    assert isinstance(event, ConsentDecided)
    assert event.point is EnforcementPoint.DISCLOSURE and event.decision.permitted
