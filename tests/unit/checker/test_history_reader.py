"""The history reader: pairing, unknown outcomes, and errors naming file:line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulators._shared.clock import SimClock
from simulators._shared.history import FIELDS, History
from splitbrain.harness.checker import (
    HistoryFormatError,
    HistoryPairingError,
    HistorySource,
    header,
    merged_operations,
    read_operations,
)
from splitbrain.harness.checker.history import RECORD_KEYS


def _records(history: History) -> list[dict[str, Any]]:
    return [json.loads(line) for line in history.export_jsonl().splitlines()]


def _crm() -> History:
    history = History(SimClock(), system="crm")
    op = history.invoke("engine", "write", "Contact/c1", base_version="1", fields={"phone": "x"})
    history.ok(op, new_version="2")
    return history


def test_reader_keys_are_the_simulators_record_keys() -> None:
    assert RECORD_KEYS == FIELDS


def test_completion_is_paired_with_its_invoke_and_keeps_the_invoked_fields() -> None:
    (op,) = read_operations(HistorySource.from_records("crm.jsonl", _records(_crm())))

    assert (op.type, op.f, op.key, op.base_version, op.new_version) == (
        "ok", "write", "Contact/c1", "1", "2"
    )  # fmt: skip
    assert (op.invoke_index, op.index) == (0, 1)
    assert set(op.fields or {}) == {"phone"}


def test_invoke_without_completion_is_read_as_unknown_outcome() -> None:
    history = _crm()
    history.invoke("engine", "write", "Contact/c1", fields={"phone": "y"})

    ops = list(read_operations(HistorySource.from_records("crm.jsonl", _records(history))))

    assert [(op.type, op.outcome) for op in ops] == [("ok", "ok"), ("info", "no_completion")]


def test_header_record_is_accepted_and_names_the_system(tmp_path: Path) -> None:
    path = tmp_path / "crm.jsonl"
    path.write_text(json.dumps(header("crm")) + "\n" + _crm().export_jsonl())

    (op,) = read_operations(HistorySource.from_path(path))

    assert op.file == "crm.jsonl" and op.system == "crm"


def test_newer_format_version_is_refused_with_the_fix() -> None:
    source = HistorySource.from_records("crm.jsonl", [{**header("crm"), "v": 2}])

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:1: field 'v'.*upgrade splitbrain"):
        list(read_operations(source))


def test_missing_key_names_file_line_and_field() -> None:
    records = _records(_crm())
    del records[1]["new_version"]

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:2: field 'new_version' is missing"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))


def test_wrong_type_names_the_field() -> None:
    records = _records(_crm())
    records[0]["fields"] = ["phone"]

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:1: field 'fields' must be an object"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))


def test_gap_in_indexes_is_refused() -> None:
    records = _records(_crm())
    records[1]["index"] = 5

    with pytest.raises(HistoryFormatError, match=r"field 'index' is 5 but 1 was expected"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))


def test_completion_of_an_unknown_invoke_is_a_pairing_error() -> None:
    records = _records(_crm())
    records[1]["op"] = 7

    with pytest.raises(HistoryPairingError, match=r"crm.jsonl:2: field 'op' names op 7"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))


def test_line_that_is_not_json_names_its_line() -> None:
    source = HistorySource.from_text("crm.jsonl", _crm().export_jsonl() + "{oops\n")

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:3: is not JSON"):
        list(read_operations(source))


def test_files_are_merged_in_completion_time_order() -> None:
    clock = SimClock()
    crm, portal = History(clock, system="crm"), History(clock, system="portal")
    a = crm.invoke("engine", "read", "Contact/c1")
    b = portal.invoke("patient", "consent.revoke", "Account/a1", field="HMARKT:sms")
    portal.ok(b)
    crm.ok(a, new_version="1")
    sources = [
        HistorySource.from_text("crm.jsonl", crm.export_jsonl()),
        HistorySource.from_text("portal.jsonl", portal.export_jsonl()),
    ]

    ops = list(merged_operations(sources))

    assert [op.file for op in ops] == ["portal.jsonl", "crm.jsonl"]


def test_unknown_completion_type_is_named() -> None:
    records = _records(_crm())
    records[1]["type"] = "done"

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:2: field 'type' must be one of"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))


def test_completion_naming_no_integer_op_is_named() -> None:
    records = _records(_crm())
    records[1]["op"] = [0]

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:2: field 'op' must be an integer"):
        list(read_operations(HistorySource.from_records("crm.jsonl", records)))
