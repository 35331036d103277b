"""Sync marks: a change is timed from its acknowledgement to the first event showing it."""

from __future__ import annotations

from dataclasses import dataclass, field

from load.marks import CONSENT, SYNC, SyncTracker


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Reports:
    rows: list[tuple[str, str, float, str | None]] = field(default_factory=list)

    def __call__(self, kind: str, name: str, millis: float, error: str | None) -> None:
        self.rows.append((kind, name, round(millis, 3), error))


def _tracker(timeout: float = 10.0) -> tuple[SyncTracker, Clock, Reports]:
    clock, reports = Clock(), Reports()
    return SyncTracker(report=reports, timeout=timeout, clock=clock), clock, reports


def test_a_unique_value_seen_in_the_target_reports_the_time_since_the_acknowledgement() -> None:
    tracker, clock, reports = _tracker()
    tracker.expect("portal→crm", "crm", acked=100.0, value="+12122000001")
    clock.now = 100.042

    tracker.observe("crm", "con-1", {"phone": "+12122000001", "custom": {"x": ["y"]}})

    assert reports.rows == [(SYNC, "portal→crm", 42.0, None)]
    assert tracker.pending() == 0 and tracker.seen == {"portal→crm": 1}


def test_the_value_seen_in_another_system_does_not_resolve_the_mark() -> None:
    tracker, _clock, reports = _tracker()
    tracker.expect("portal→ehr", "ehr", acked=100.0, value="+12122000001")

    tracker.observe("crm", "con-1", {"phone": "+12122000001"})

    assert reports.rows == [] and tracker.pending() == 1


def test_a_record_mark_waits_until_its_predicate_holds_and_tells_who_saw_it() -> None:
    tracker, clock, reports = _tracker()
    seen: list[str] = []
    tracker.expect("revoke→crm", "crm", acked=100.0, record="con-7", kind=CONSENT,
                   predicate=lambda r: r["consents"]["HMARKT"]["sms"] is False,
                   on_visible=seen.append)  # fmt: skip
    clock.now = 100.010
    tracker.observe("crm", "con-7", {"consents": {"HMARKT": {"sms": True}}})
    clock.now = 100.020
    tracker.observe("crm", "con-7", {"consents": {"HMARKT": {"sms": False}}})

    assert reports.rows == [(CONSENT, "revoke→crm", 20.0, None)]
    assert seen == ["con-7"]


def test_a_group_reports_once_when_its_last_member_is_seen() -> None:
    tracker, clock, reports = _tracker()
    group = tracker.group("revoke→all", CONSENT, acked=100.0)
    tracker.expect("revoke→crm", "crm", acked=100.0, record="c", kind=CONSENT, group=group)
    tracker.expect("revoke→ehr", "ehr", acked=100.0, record="p", kind=CONSENT, group=group)
    clock.now = 100.005
    tracker.observe("crm", "c", {})
    clock.now = 100.030
    tracker.observe("ehr", "p", {})

    assert [r[1] for r in reports.rows] == ["revoke→crm", "revoke→ehr", "revoke→all"]
    assert reports.rows[-1][2] == 30.0


def test_a_mark_past_its_deadline_is_a_failure_of_its_path() -> None:
    tracker, clock, reports = _tracker(timeout=2.0)
    timed_out: list[bool] = []
    tracker.expect("crm→ehr", "ehr", acked=100.0, value="v",
                   on_timeout=lambda: timed_out.append(True))  # fmt: skip
    clock.now = 101.0
    assert tracker.sweep() == 0
    clock.now = 102.5

    assert tracker.sweep() == 1
    assert reports.rows == [(SYNC, "crm→ehr", 2500.0, "not visible in ehr within 2s")]
    assert timed_out == [True] and tracker.pending() == 0


def test_drain_fails_what_is_left_when_the_run_ends() -> None:
    tracker, _clock, reports = _tracker(timeout=60.0)
    tracker.expect("ehr→crm", "crm", acked=100.0, value="Quillan")

    left = tracker.drain(0.0)

    assert left == 1
    assert reports.rows[0][3] == "still not visible in crm when the run ended"


def test_a_mark_needs_exactly_one_of_value_and_record() -> None:
    tracker, _, _ = _tracker()
    try:
        tracker.expect("x", "crm", acked=0.0, value="a", record="b")
    except ValueError as exc:
        assert "not both" in str(exc)
    else:
        raise AssertionError("a mark with a value and a record was accepted")
