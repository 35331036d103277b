"""The HL7 side against the real EHR store (``simulators.ehr.store.FhirStore``), in process."""

from __future__ import annotations

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.outbound import OutboundPlanner
from simulators.ehr.hl7.parse import parse_message
from simulators.ehr.hl7.receiver import AdtReceiver
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent
from simulators.ehr.store import FhirStore
from tests.simulators.hl7.messages import adt, merge, pid


def make_store() -> tuple[FhirStore, AdtReceiver]:
    clock = SimClock()
    store = FhirStore(History(clock, system="ehr"), clock)
    return store, AdtReceiver(store, history=store.history, clock=clock)


def test_the_fhir_store_is_an_adt_target() -> None:
    store, _ = make_store()

    assert isinstance(store, AdtTarget)


def test_registration_update_and_merge_reach_the_store_with_versions() -> None:
    store, receiver = make_store()

    codes = [
        read_ack(receiver.handle(text.encode())).code
        for text in (
            adt("A04", mrn="KEEP", control_id="M1"),
            adt("A01", mrn="GONE", control_id="M2"),
            adt("A31", mrn="KEEP", control_id="M3").replace("Testperson", "Renamed"),
            merge("KEEP", "GONE", control_id="M4"),
        )
    ]

    live = {version.id: version for version in store.live("Patient")}
    assert codes == ["AA"] * 4
    assert len(live) == 2
    keep, gone = (v.resource or {} for v in sorted(live.values(), key=lambda v: v.id))
    assert keep["name"][0]["family"] == "Renamed"
    assert gone["active"] is False
    assert gone["link"][0]["type"] == "replaced-by"


def test_a_merge_with_an_unknown_identifier_is_ae_204_and_changes_nothing() -> None:
    store, receiver = make_store()
    receiver.handle(adt("A04", mrn="KEEP").encode())

    ack = read_ack(receiver.handle(merge("KEEP", "NOBODY").encode()))

    assert (ack.code, ack.errors[0][0]) == ("AE", "204")
    assert all((v.resource or {}).get("active", True) for v in store.live("Patient"))


def test_the_store_history_and_the_hl7_operations_share_one_history() -> None:
    store, receiver = make_store()

    receiver.handle(adt("A04", mrn="H1", control_id="M1").encode())

    fs = [(r["type"], r["f"]) for r in store.history.records()]
    assert fs[0] == ("invoke", "adt.A04")
    assert fs[-1] == ("ok", "adt.A04")
    assert len(fs) > 2


def test_store_merge_events_plan_an_a40_then_an_a08() -> None:
    store, receiver = make_store()
    planner = OutboundPlanner()
    plans: list[tuple[str, bool]] = []

    def listen(change: ChangeEvent) -> None:
        plans.extend((m.event, m.retired is not None) for m in planner.plan(change))

    store.on_change(listen)
    receiver.handle(adt("A04", mrn="KEEP").encode())
    receiver.handle(adt("A04", mrn="GONE", control_id="M2").encode())
    receiver.handle(merge("KEEP", "GONE").encode())

    assert plans == [("A04", False), ("A04", False), ("A40", True), ("A08", False)]


def _merge_groups(*groups: tuple[str, str], control_id: str = "MSG0041") -> bytes:
    segments = ["EVN|A40|20250106090000"]
    for survivor, retired in groups:
        segments += [pid(survivor), f"MRG|{retired}^^^^MR"]
    return adt("A40", control_id=control_id, segments=tuple(segments)).encode()


def _err_locations(ack: bytes) -> list[str]:
    return [segment.raw(2) for segment in parse_message(ack).all("ERR")]


def _merged(store: FhirStore) -> list[str]:
    return sorted(v.id for v in store.live("Patient") if (v.resource or {}).get("link"))


def _registered(receiver: AdtReceiver, *mrns: str) -> None:
    for number, mrn in enumerate(mrns):
        receiver.handle(adt("A04", mrn=mrn, control_id=f"R{number}").encode())


def test_a_multi_group_a40_applies_every_group() -> None:
    store, receiver = make_store()
    _registered(receiver, "KEEP1", "GONE1", "KEEP2", "GONE2")

    ack = read_ack(receiver.handle(_merge_groups(("KEEP1", "GONE1"), ("KEEP2", "GONE2"))))

    assert ack.code == "AA"
    assert len(_merged(store)) == 4


def test_a_failing_second_group_leaves_the_first_unapplied_and_names_its_mrg() -> None:
    store, receiver = make_store()
    _registered(receiver, "KEEP1", "GONE1", "KEEP2")
    seen: list[ChangeEvent] = []
    store.on_change(seen.append)

    reply = receiver.handle(_merge_groups(("KEEP1", "GONE1"), ("KEEP2", "NOBODY")))

    ack = read_ack(reply)
    assert (ack.code, ack.errors[0][0]) == ("AE", "204")
    assert "group 2" in ack.errors[0][1]
    assert _err_locations(reply) == ["MRG^2^1"]
    assert _merged(store) == []
    assert seen == []
    assert all((v.resource or {}).get("active", True) for v in store.live("Patient"))


def test_a_self_merge_in_a_later_group_refuses_the_whole_message() -> None:
    store, receiver = make_store()
    _registered(receiver, "KEEP1", "GONE1", "SAME")

    reply = receiver.handle(_merge_groups(("KEEP1", "GONE1"), ("SAME", "SAME")))

    assert read_ack(reply).code == "AE"
    assert _err_locations(reply) == ["MRG^2^1"]
    assert _merged(store) == []


def test_the_rolled_back_merges_are_recorded_as_failed_operations() -> None:
    store, receiver = make_store()
    _registered(receiver, "KEEP1", "GONE1", "KEEP2")
    before = len(store.history)

    receiver.handle(_merge_groups(("KEEP1", "GONE1"), ("KEEP2", "NOBODY")))

    records = list(store.history.records())[before:]
    merges = [r for r in records if r["f"] == "merge" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in merges] == [("fail", "rolled_back")]
    assert records[-1]["f"] == "adt.A40" and records[-1]["type"] == "fail"
