"""phi_leak, double_effect and lost_event."""

from __future__ import annotations

from simulators._shared.history import OpContext, value_id
from splitbrain.harness.checker import AnomalyCode, Truth, Witness
from splitbrain.harness.checker.truth import NESTED_KEYS
from tests.unit.checker.scenario import Scenario

CANARY = "CANARY-538f02f1adaa"
PLAN = f"semaglutide 0.25 mg weekly [{CANARY}]"
NOTE = f"GLP-1 program intake: BMI 33.6. [{CANARY}]"


def _ana() -> Scenario:
    s = Scenario()
    clinical = {"medication_plan": PLAN, "diagnosis_note": NOTE}
    s.person("gt_1", ehr="p1", crm="c1", clinical=clinical, canary=CANARY)
    s.create("ehr", "p1", {"birthDate": "1980-01-01"})
    s.create("crm", "c1", {"phone": "+15550100001"})
    return s


def test_medication_plan_copied_into_a_crm_field_is_a_phi_leak() -> None:
    s = _ana()
    leak = s.write("crm", "c1", {"preferred_name": PLAN})

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.PHI_LEAK)
    assert found.witnesses == (Witness("crm.jsonl", leak, "restricted value written"),)
    assert (found.person, found.field, found.system) == ("gt_1", "medication_plan", "crm")
    assert PLAN not in found.explanation and CANARY not in found.explanation


def test_bare_canary_in_the_crm_is_a_phi_leak() -> None:
    s = _ana()
    s.write("crm", "c1", {"custom_note": CANARY})

    assert s.check().codes() == {AnomalyCode.PHI_LEAK}


def test_medication_plan_nested_in_the_crm_custom_map_is_a_phi_leak_named_by_its_path() -> None:
    s = _ana()
    leak = s.write("crm", "c1", {"custom": {"medication_plan": PLAN}})

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.PHI_LEAK)
    assert found.witnesses == (Witness("crm.jsonl", leak, "restricted value written"),)
    assert (found.person, found.field, found.system) == ("gt_1", "medication_plan", "crm")
    assert "field 'custom.medication_plan'" in found.explanation
    assert PLAN not in found.explanation and CANARY not in found.explanation


def test_traced_containers_have_the_ids_the_recorder_gives_them() -> None:
    truth = Truth()
    truth.add_restricted(PLAN, "gt_1", "medication_plan")

    expected = {value_id({key: PLAN}): f".{key}" for key in NESTED_KEYS}
    expected[value_id([PLAN])] = "[0]"
    assert {v: path for v, (_, path) in truth.nested.items()} == expected


def test_a_summary_nested_in_the_crm_custom_map_is_clean() -> None:
    s = _ana()
    s.write("crm", "c1", {"custom": {"medication_plan": "GLP-1 program, weekly"}})

    assert s.check().ok


def test_canary_nested_in_a_crm_list_is_a_phi_leak() -> None:
    s = _ana()
    s.write("crm", "c1", {"tags": [CANARY]})

    (found,) = s.check().of(AnomalyCode.PHI_LEAK)

    assert "field 'tags[0]'" in found.explanation


def test_a_summary_in_the_crm_and_the_plan_in_the_ehr_are_clean() -> None:
    s = _ana()
    s.write("crm", "c1", {"preferred_name": "GLP-1 program, weekly"})
    s.write("ehr", "p1", {"note": PLAN})

    assert s.check().ok


def test_one_send_applied_twice_under_one_key_is_a_double_effect() -> None:
    s = _ana()
    first = s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=1)
    again = s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=2)

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DOUBLE_EFFECT)
    assert [w.index for w in found.witnesses] == [first, again]
    assert "went out twice" in found.explanation


def test_retry_after_an_unknown_outcome_is_clean() -> None:
    s = _ana()
    s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=1, result="info")
    s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=2)

    assert s.check().ok


def test_retry_applied_again_after_a_crash_after_commit_is_a_double_effect() -> None:
    s = _ana()
    first = s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=1,
                   result="info", outcome="crash_after_commit")  # fmt: skip
    again = s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=2)

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.DOUBLE_EFFECT)
    assert [w.index for w in found.witnesses] == [first, again]
    assert "committed (crash_after_commit)" in found.witnesses[0].what
    assert verdict.codes() == {AnomalyCode.DOUBLE_EFFECT}


def test_a_doubtful_reply_recorded_as_the_simulators_do_counts_as_applied() -> None:
    s = _ana()
    crm = s.histories["crm"]
    for attempt in (1, 2):  # the fault middleware's context: the server commits, the reply is cut
        ctx = OpContext("engine", "k-send-1", attempt, doubtful="crash_after_commit")
        op = crm.invoke(ctx, "send_message", "Contact/c1", field="TREAT:sms")
        crm.ok(op, outcome="sent")

    verdict = s.check()

    done = [r for r in crm.records() if r["op"] is not None][-2:]
    assert [(r["type"], r["outcome"]) for r in done] == [("info", "crash_after_commit")] * 2
    assert verdict.codes() == {AnomalyCode.DOUBLE_EFFECT}


def test_crash_after_commit_answered_from_the_key_on_retry_is_clean() -> None:
    s = _ana()
    s.send("c1", "TREAT:sms", process="engine", idem="k-send-1", attempt=1,
           result="info", outcome="crash_after_commit")  # fmt: skip
    # the retry under k-send-1 is answered from the key's stored reply: nothing new recorded
    s.send("c1", "TREAT:email", process="engine", idem="k-send-2", attempt=1)

    assert s.check().ok


def test_two_crashed_writes_under_one_key_are_a_double_effect() -> None:
    s = _ana()
    s.write("crm", "c1", {"phone": "+15550100002"}, idem="k-w", result="info",
            outcome="crash_after_commit")  # fmt: skip
    s.write("crm", "c1", {"phone": "+15550100002"}, idem="k-w", result="info",
            outcome="crash_after_commit")  # fmt: skip

    assert s.check().codes() == {AnomalyCode.DOUBLE_EFFECT}


def test_different_operations_under_one_key_are_one_bundle_not_a_double_effect() -> None:
    s = _ana()
    s.write("crm", "c1", {"phone": "+15550100002"}, idem="k-bundle")
    s.write("crm", "c1", {"email": "ana@example.org"}, idem="k-bundle")

    assert s.check().ok


def test_two_creates_from_one_retried_request_are_a_double_effect() -> None:
    s = Scenario()
    s.create("crm", "c7", {"first_name": "Cy"}, process="engine", idem="k-create")
    s.create("crm", "c8", {"first_name": "Cy"}, process="engine", idem="k-create")

    (found,) = s.check(truth=False).of(AnomalyCode.DOUBLE_EFFECT)

    assert "two records were created (Contact/c7 and Contact/c8)" in found.explanation


def test_event_every_attempt_of_which_failed_is_a_lost_event() -> None:
    s = _ana()
    first = s.notify("crm", "Contact/c1", "evt-1", attempt=1, result="fail", outcome="http_503")
    s.notify(
        "crm", "Contact/c1", "evt-1", attempt=2, result="fail", outcome="transport:ConnectError"
    )
    last = s.notify("crm", "Contact/c1", "evt-1", attempt=3, result="fail", outcome="http_500")

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.LOST_EVENT)
    assert [w.index for w in found.witnesses] == [first, last]
    assert "evt-1" in found.explanation and "3 time(s)" in found.explanation


def test_event_accepted_on_a_retry_is_clean() -> None:
    s = _ana()
    s.notify("crm", "Contact/c1", "evt-1", attempt=1, result="fail", outcome="http_503")
    s.notify("crm", "Contact/c1", "evt-1", attempt=2, outcome="ok")

    assert s.check().ok


def test_event_refused_by_the_receiver_or_dropped_by_the_test_is_not_lost() -> None:
    s = _ana()
    s.notify("crm", "Contact/c1", "evt-1", attempt=1, result="fail", outcome="http_400")
    s.notify("crm", "Contact/c1", "evt-2", attempt=1, result="fail", outcome="fault:dropped")
    s.notify("crm", "Contact/c1", "evt-3", attempt=1, result="info", outcome="timeout")

    assert s.check().ok
