from __future__ import annotations

import json
from datetime import timedelta

import pytest

from simulators._shared import ConfigurationError, History, OpContext, SimClock, value_id
from simulators._shared.history import FIELDS


def _history() -> tuple[History, SimClock]:
    clock = SimClock()
    return History(clock, system="crm"), clock


def test_an_invoke_and_its_completion_are_linked_and_ordered() -> None:
    history, clock = _history()

    op = history.invoke(
        OpContext("engine", "idem-1", 2),
        "write",
        "Contact/c1",
        field="phone",
        base_version="3",
        value="(555) 010-0101",
    )
    clock.advance(1)
    history.ok(op, new_version="4")

    invoke, ok = history.records()
    assert (invoke["index"], invoke["type"], invoke["op"]) == (0, "invoke", None)
    assert (ok["index"], ok["type"], ok["op"]) == (1, "ok", 0)
    assert ok["process"] == invoke["process"] == "engine"
    assert ok["f"] == "write" and ok["key"] == "Contact/c1" and ok["field"] == "phone"
    assert (ok["base_version"], ok["new_version"]) == ("3", "4")
    assert (ok["idempotency_key"], ok["attempt"]) == ("idem-1", 2)
    assert ok["time"] > invoke["time"]
    assert ok["mono_ns"] >= invoke["mono_ns"]
    assert list(ok) == list(FIELDS)


def test_values_are_exported_as_ids_never_raw() -> None:
    history, _ = _history()
    phone, family = "(555) 010-0199", "Okonkwo-Díaz"

    op = history.invoke(
        "portal", "write", "Person/tok_1", value=phone, fields={"family": family, "phone": phone}
    )
    history.ok(op, value=phone)
    exported = history.export_jsonl()

    assert phone not in exported and family not in exported
    first = json.loads(exported.splitlines()[0])
    assert first["value"] == value_id(phone)
    assert first["fields"] == {"family": value_id(family), "phone": value_id(phone)}


def test_value_ids_are_stable_and_distinguish_values() -> None:
    assert value_id({"a": 1, "b": [2, 3]}) == value_id({"b": [2, 3], "a": 1})
    assert value_id("x") != value_id("y")
    assert value_id("x").startswith("v:")


def test_a_doubtful_context_turns_ok_into_info() -> None:
    history, _ = _history()

    op = history.invoke(OpContext("engine", doubtful="crash_after_commit"), "create", "Patient")
    history.ok(op, key="Patient/7", new_version="1")

    done = history.records()[1]
    assert (done["type"], done["outcome"], done["key"]) == (
        "info",
        "crash_after_commit",
        "Patient/7",
    )


def test_fail_and_info_complete_an_operation() -> None:
    history, _ = _history()

    first = history.invoke("engine", "write", "Contact/c1")
    second = history.invoke("engine", "notify", "Contact/c1")
    history.fail(first, outcome="stale_version")
    history.info(second, outcome="timeout")

    kinds = [(r["type"], r["op"], r["outcome"]) for r in history.records()]
    assert kinds[2:] == [("fail", 0, "stale_version"), ("info", 1, "timeout")]
    assert history.open_operations() == []


def test_completing_twice_is_a_bug_that_raises() -> None:
    history, _ = _history()
    op = history.invoke("engine", "read", "Contact/c1")
    history.ok(op)

    with pytest.raises(ConfigurationError, match="already completed"):
        history.ok(op)


def test_open_operations_lists_invokes_without_completion() -> None:
    history, _ = _history()

    history.invoke("engine", "read", "Contact/c1")
    done = history.invoke("engine", "read", "Contact/c2")
    history.ok(done)

    assert history.open_operations() == [0]


def test_recording_off_records_nothing_and_ignores_completions() -> None:
    history, _ = _history()
    history.enabled = False

    op = history.invoke("engine", "write", "Contact/c1")
    history.ok(op)
    history.fail(op, outcome="x")

    assert op == -1
    assert len(history) == 0


def test_export_since_skips_earlier_records_and_clear_forgets() -> None:
    history, clock = _history()
    for n in range(3):
        history.ok(history.invoke("engine", "read", f"Contact/c{n}"))
        clock.advance(timedelta(seconds=1))

    later = history.records(since=4)
    history.clear()

    assert [r["index"] for r in later] == [4, 5]
    assert history.export_jsonl() == ""
