"""lost_update on enum fields: a blind SUT write over an actor's change the SUT never saw (CC-13).

Enum values repeat, so a value cannot name its write and lineage cannot judge them; versions and
what the SUT was told can. CC-13's race: the patient picks email in the portal; the engine,
still carrying the CRM's older SMS, copies it over the patient's choice without If-Match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulators._shared.history import value_id
from splitbrain.harness.checker import SIMULATOR_BINDINGS, AnomalyCode, Witness, check
from splitbrain.harness.checker.enums import EnumIds
from tests.unit.checker.scenario import Scenario, telehealth

PREFS = "Preferences/pref-a1"


def _ana() -> Scenario:
    """Ana's portal account and preferences (phone), and her CRM contact, all at version 1."""
    s = Scenario()
    s.person("gt_1", crm="c1", portal="a1")
    s.create("portal", "a1", {"given_name": "Ana", "family_name": "Diaz"})
    s.versions[("portal", PREFS)] = 1
    s.op("portal", "admin", "create", "Preferences", done_key=PREFS, new_version=1,
         fields={"account_id": "a1", "preferred_channel": "phone"})  # fmt: skip
    s.create("crm", "c1", {"first_name": "Ana", "last_name": "Diaz"})
    return s


def _patient_picks_email(s: Scenario) -> tuple[int, Any]:
    """The patient's acknowledged write, and its notification to the engine, still in flight."""
    s.op("portal", "patient", "read", PREFS, new_version=1)
    picked = s.write("portal", "a1", {"preferred_channel": "email"}, key=PREFS, process="patient",
                     base=1)  # fmt: skip
    notice = s.pending("portal", "engine", "notify", PREFS, idem="portal-evt-9")
    return picked, notice


def _support_picks_sms(s: Scenario) -> None:
    s.read("crm", "c1", process="support")
    s.write("crm", "c1", {"custom": {"contact_preference": "Text"}}, process="support", base=1)
    s.notify("crm", "Contact/c1", "crm-evt-9")


def test_engine_copying_the_crm_choice_over_the_patients_unseen_choice_is_a_lost_update() -> None:
    s = _ana()
    _support_picks_sms(s)
    picked, notice = _patient_picks_email(s)
    overwrite = s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)  # no If-Match
    s.histories["portal"].ok(notice, outcome="ok")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.LOST_UPDATE)
    assert found.witnesses == (
        Witness("portal.jsonl", picked, "change that was lost"),
        Witness("portal.jsonl", overwrite, "overwrite"),
    )
    assert (found.field, found.system) == ("contact_preference", "portal")
    assert "no If-Match" in found.explanation
    assert verdict.codes() == {AnomalyCode.LOST_UPDATE}


def test_engine_write_with_if_match_refused_412_leaves_the_patients_choice_clean() -> None:
    s = _ana()
    _support_picks_sms(s)
    _, notice = _patient_picks_email(s)
    s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS, base=1, result="fail",
            outcome="stale_version")  # fmt: skip
    s.histories["portal"].ok(notice, outcome="ok")

    assert s.check().ok


def test_blind_write_after_the_engine_answered_the_changes_notification_is_no_lost_update() -> None:
    s = _ana()
    _, notice = _patient_picks_email(s)
    s.histories["portal"].ok(notice, outcome="ok")  # the engine was told before it wrote
    s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)

    assert s.check().ok


def test_notification_sent_before_the_change_does_not_count_as_seeing_it() -> None:
    s = _ana()
    early = s.pending("portal", "engine", "notify", PREFS, idem="portal-evt-8")
    picked, notice = _patient_picks_email(s)
    s.histories["portal"].ok(early, outcome="ok")  # answered after the change, sent before it
    overwrite = s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)
    s.histories["portal"].ok(notice, outcome="ok")

    (found,) = s.check().of(AnomalyCode.LOST_UPDATE)
    assert [w.index for w in found.witnesses] == [picked, overwrite]


def test_blind_write_after_the_engine_read_the_changed_version_is_no_lost_update() -> None:
    s = _ana()
    _, notice = _patient_picks_email(s)
    s.op("portal", "engine-2", "read", PREFS, new_version=2)  # another engine worker read it
    s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)
    s.histories["portal"].ok(notice, outcome="ok")

    assert s.check().ok


def test_blind_write_after_the_engine_read_the_change_feed_is_no_lost_update() -> None:
    s = _ana()
    _, notice = _patient_picks_email(s)
    s.op("portal", "engine", "search", "Change", outcome="ok:1")
    s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)
    s.histories["portal"].ok(notice, outcome="ok")

    assert s.check().ok


def test_engine_overwriting_support_choice_in_the_crm_custom_map_is_a_lost_update() -> None:
    s = _ana()
    s.read("crm", "c1", process="support")
    chosen = s.write("crm", "c1", {"custom": {"contact_preference": "Call"}}, process="support",
                     base=1)  # fmt: skip
    overwrite = s.write("crm", "c1", {"custom": {"contact_preference": "Email"}})

    (found,) = s.check().of(AnomalyCode.LOST_UPDATE)

    assert [w.index for w in found.witnesses] == [chosen, overwrite]
    assert (found.person, found.field, found.system) == ("gt_1", "contact_preference", "crm")


def test_engine_overwriting_its_own_or_the_setups_value_blind_is_no_lost_update() -> None:
    s = _ana()
    s.write("portal", "a1", {"preferred_channel": "email"}, key=PREFS)
    s.write("portal", "a1", {"preferred_channel": "sms"}, key=PREFS)

    assert s.check().ok


def test_crm_custom_map_carries_the_contact_preference_through_the_enum_table() -> None:
    binding = SIMULATOR_BINDINGS.of("crm")
    assert binding is not None
    custom = binding.fields["custom"]
    ids = EnumIds(telehealth())

    def canonical(value: Any) -> str | None:
        return ids.canonical("contact_preference", value_id(value), custom.entry)

    assert (custom.field, custom.enum, custom.entry) == ("contact_preference", True,
                                                         "contact_preference")  # fmt: skip
    assert canonical({"contact_preference": "Text"}) == "sms"
    assert canonical({"contact_preference": "Do Not Contact"}) == "no_contact"
    assert canonical({"contact_preference": "Text", "workflow_state": "x"}) is None


RECORDED = Path(__file__).parent / "recorded"
"""CC-13 as ``splitbrain run --sut reference`` recorded it: ``cc13_blind_engine`` from the engine
before it sent If-Match on preferences (8b57e0b~1), ``cc13_if_match_engine`` from 512fa9b."""


def _recorded(name: str) -> list[Path]:
    return sorted((RECORDED / name).glob("*.jsonl"))


def test_recorded_cc13_of_the_engine_without_if_match_is_a_lost_update() -> None:
    verdict = check(_recorded("cc13_blind_engine"), telehealth(), workers=0)

    (found,) = verdict.anomalies
    assert found.code is AnomalyCode.LOST_UPDATE
    assert (found.field, found.system) == ("contact_preference", "portal")
    assert found.witnesses_by_file() == {"portal.jsonl": (31, 33)}


def test_recorded_cc13_of_the_engine_with_if_match_is_clean() -> None:
    verdict = check(_recorded("cc13_if_match_engine"), telehealth(), workers=0)

    assert verdict.ok, verdict.anomalies
