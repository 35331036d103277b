"""Hypothesis: consent changes, the outreach queue and the clock, interleaved in any order.

The scheduler is the rules (STYLE §9): grant, revoke (any slot, or the slot of a message waiting
in the queue), run the expiry job, queue a message, send a queued message, deliver by the CRM's
own campaign automation, ask the decision point, and move the clock (by a step, or straight to
the next period end). The engine (on the in-memory store) is checked after every step against a
model far simpler than it: per slot, a version counter, a status and a period end. Invariants:

- no permitted send cites a consent version older than a revoke that completed before the
  decision (and every send and decision agrees with the model, reason included);
- the CRM's local flags equal the engine's recorded status after every command (events reach
  every consumer at once), so the CRM's automation delivers only on a recorded active consent;
- every decision and every send, permit or deny, is one audit entry, and the chain verifies.

``event()`` shows that each race was reached: a message queued before a revoke and sent after
it, an expiry between queue and send, a grant after a revoke, a send on a re-granted consent,
an expiry the clock enforced before the job ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.consent import (
    BREAK_GLASS_PURPOSES,
    ConsentDecision,
    ConsentStatus,
    OutreachSent,
    Slot,
)
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from tests.unit.service_layer.small_policy import small_policy

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SLOTS: list[Slot] = [
    ("tok_ana", "HMARKT", "sms"),
    ("tok_ana", "HMARKT", "email"),
    ("tok_bea", "HMARKT", "sms"),
    ("tok_ana", "ETREAT", "sms"),
]
"""Few slots, so that the rules collide on them: one purpose on two channels of one person, the
same purpose and channel of another person, and a break-glass purpose."""
slots = st.sampled_from(SLOTS)
durations = st.sampled_from(
    [timedelta(days=7), timedelta(days=1), timedelta(days=30), None, timedelta(hours=1)]
)
steps = st.sampled_from(
    [timedelta(hours=1), timedelta(days=1), timedelta(minutes=1), timedelta(days=8)]
)


@dataclass
class SlotModel:
    version: int = 0
    status: ConsentStatus | None = None
    end: datetime | None = None
    last_revoke: int = 0
    """The version of the last revoke that completed (0: never revoked)."""
    regranted: bool = False


@dataclass(frozen=True)
class Queued:
    message_id: str
    slot: Slot
    under_version: int
    """The slot's version when queued (0: no consent then)."""
    in_force: bool


@dataclass
class Model:
    slots: dict[Slot, SlotModel] = field(default_factory=lambda: {s: SlotModel() for s in SLOTS})

    def permits(self, slot: Slot, now: datetime) -> tuple[bool, str]:
        m = self.slots[slot]
        if slot[1] in BREAK_GLASS_PURPOSES:
            return True, "break_glass"
        if m.status is None:
            return False, "no_consent"
        if m.status is ConsentStatus.REVOKED:
            return False, "revoked"
        if m.status is ConsentStatus.EXPIRED or (m.end is not None and m.end <= now):
            return False, "expired"
        return True, "consent_active"


picks = st.integers(min_value=0, max_value=63)
"""Which waiting message a rule acts on (modulo how many wait): no rule waits on a bundle."""


class ConsentAgainstAModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.engine = bootstrap(store="memory", policy=small_policy(), clock=self.clock)
        self.consents = ConsentService(self.engine)
        flags = self.consents.flags
        assert isinstance(flags, InMemoryConsentFlags)
        self.flags = flags
        self.model = Model()
        self.serial = 0
        self.decisions = 0
        """Decisions and sends made: each must be exactly one audit entry."""
        self.waiting: list[Queued] = []

    # the scheduler ----------------------------------------------------------------------------

    @initialize(periods=st.lists(durations, min_size=len(SLOTS), max_size=len(SLOTS)))
    def a_campaign_waits_for_every_granted_slot(self, periods: list[timedelta | None]) -> None:
        """Each example starts with every slot granted for a drawn period and a message queued
        to it, so the races between the queue and what happens next are close at hand."""
        for slot, duration in zip(SLOTS, periods, strict=True):
            self.grant(slot, duration)
            self.queue(slot)

    @rule(slot=slots, duration=durations)
    def grant(self, slot: Slot, duration: timedelta | None) -> None:
        m, now = self.model.slots[slot], self.clock.now()
        end = None if duration is None else now + duration
        consent = self.consents.grant(*slot, end=end)
        if m.status is ConsentStatus.ACTIVE and m.end == end:
            assert consent is None
            return
        if m.status is ConsentStatus.REVOKED:
            event("race: grant after a revoke")
            m.regranted = True
        m.version, m.status, m.end = m.version + 1, ConsentStatus.ACTIVE, end
        assert consent is not None and consent.version == m.version

    @rule(slot=slots)
    def revoke(self, slot: Slot) -> None:
        m = self.model.slots[slot]
        consent = self.consents.revoke(*slot)
        if m.status is ConsentStatus.REVOKED:
            assert consent is None
            return
        m.version, m.status, m.last_revoke, m.regranted = (
            m.version + 1, ConsentStatus.REVOKED, m.version + 1, False)  # fmt: skip
        assert consent is not None and consent.version == m.version

    @rule(pick=picks)
    def revoke_while_a_message_waits(self, pick: int) -> None:
        if self.waiting:
            self.revoke(self.waiting[pick % len(self.waiting)].slot)

    @rule(pick=picks, duration=durations)
    def grant_while_a_message_waits(self, pick: int, duration: timedelta | None) -> None:
        if self.waiting:
            self.grant(self.waiting[pick % len(self.waiting)].slot, duration)

    @rule()
    def run_expiry_job(self) -> None:
        now = self.clock.now()
        due = sorted(
            slot
            for slot, m in self.model.slots.items()
            if m.status is ConsentStatus.ACTIVE and m.end is not None and m.end <= now
        )
        expired = self.consents.expire_due()
        assert sorted(c.slot for c in expired) == due
        for slot in due:
            m = self.model.slots[slot]
            m.version, m.status = m.version + 1, ConsentStatus.EXPIRED
        if due:
            event("expiry job recorded an expiry")

    @rule(step=steps)
    def advance_clock(self, step: timedelta) -> None:
        self.clock.advance(step)

    @rule()
    def advance_to_the_next_period_end(self) -> None:
        """The clock jumps to the moment the next running consent ends: its expiry is due."""
        now = self.clock.now()
        active = [m for m in self.model.slots.values() if m.status is ConsentStatus.ACTIVE]
        ends = [m.end for m in active if m.end is not None and m.end > now]
        if ends:
            self.clock.set(min(ends))

    @rule(slot=slots)
    def queue(self, slot: Slot) -> None:
        self.serial += 1
        message_id = f"msg-{self.serial}"
        message = self.consents.queue(message_id, *slot)
        m = self.model.slots[slot]
        assert (message.queued_under_version or 0) == m.version
        in_force = self.model.permits(slot, self.clock.now())[0]
        self.waiting.append(Queued(message_id, slot, m.version, in_force))

    @rule(pick=picks)
    def send(self, pick: int) -> None:
        """The outreach worker sends one waiting message (any of them: the queue may reorder)."""
        if self.waiting:
            self._send(self.waiting.pop(pick % len(self.waiting)))

    @rule()
    def drain_the_queue(self) -> None:
        """The outreach worker sends every waiting message, oldest first."""
        while self.waiting:
            self._send(self.waiting.pop(0))

    def _send(self, message: Queued) -> None:
        slot, now = message.slot, self.clock.now()
        m = self.model.slots[slot]
        expected, reason = self.model.permits(slot, now)
        result = self.consents.send(message.message_id)
        self.decisions += 1
        self._check(result.decision, slot, expected, reason)
        assert isinstance(result, OutreachSent) == expected
        if expected and slot[1] not in BREAK_GLASS_PURPOSES:
            # the invariant: a permitted send never cites a version a completed revoke replaced
            assert result.decision.consent_version is not None
            assert result.decision.consent_version > m.last_revoke
        event(f"send: {reason}")
        self._races(message, m, expected, now)

    @rule(slot=slots)
    def deliver_by_crm_automation(self, slot: Slot) -> None:
        """The CRM's campaign automation sends on its own local flag, not asking the engine."""
        if self.flags.allows(*slot):
            assert self.model.slots[slot].status is ConsentStatus.ACTIVE
            if not self.model.permits(slot, self.clock.now())[0]:
                event("crm flag still on past the period end until the expiry job runs")

    @rule(slot=slots)
    def decide(self, slot: Slot) -> None:
        expected, reason = self.model.permits(slot, self.clock.now())
        decision = self.consents.decide(*slot)
        self.decisions += 1
        self._check(decision, slot, expected, reason)
        m = self.model.slots[slot]
        if reason == "expired" and m.status is ConsentStatus.ACTIVE:
            event("race: the clock expired a consent before the job ran")

    # invariants -------------------------------------------------------------------------------

    @invariant()
    def crm_flags_equal_the_recorded_status(self) -> None:
        for slot, m in self.model.slots.items():
            assert self.flags.allows(*slot) == (m.status is ConsentStatus.ACTIVE), slot

    @invariant()
    def every_decision_is_one_audit_entry(self) -> None:
        actions = ("consent.decide", "send.outreach")
        entries = self.engine.audit_entries()
        assert sum(e.event.action in actions for e in entries) == self.decisions

    def teardown(self) -> None:
        assert self.engine.verify_audit().ok
        self.engine.close()

    # helpers ----------------------------------------------------------------------------------

    def _check(self, decision: ConsentDecision, slot: Slot, expected: bool, reason: str) -> None:
        m = self.model.slots[slot]
        assert (decision.permitted, decision.reason.value) == (expected, reason), (slot, m)
        assert decision.break_glass == (slot[1] in BREAK_GLASS_PURPOSES)
        if m.version:
            assert decision.consent_version == m.version

    def _races(self, message: Queued, m: SlotModel, permitted: bool, now: datetime) -> None:
        if m.last_revoke > message.under_version:
            event("race: queued before a revoke, sent after it")
        if message.in_force and m.status is not ConsentStatus.REVOKED and not permitted:
            event("race: expiry between queue and send")
        if m.regranted and permitted and message.under_version < m.version:
            event("race: sent on a consent re-granted after a revoke")


ConsentAgainstAModel.TestCase.settings = settings(
    ConsentAgainstAModel.TestCase.settings, max_examples=100, stateful_step_count=40
)
TestConsentAgainstAModel = ConsentAgainstAModel.TestCase
