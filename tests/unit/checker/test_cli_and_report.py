"""`splitbrain check`: exit 0 clean, 1 on any anomaly, 2 on unreadable input; text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.harness.checker import render_json, render_text
from splitbrain.harness.paths import default_matrix
from tests.unit.checker.scenario import Scenario

runner = CliRunner()


def _write(s: Scenario, where: Path) -> list[str]:
    paths = []
    for system, history in s.histories.items():
        path = where / f"{system}.jsonl"
        path.write_text(history.export_jsonl())
        paths.append(str(path))
    truth = where / "ground_truth.jsonl"
    truth.write_text("".join(json.dumps(p) + "\n" for p in s.people))
    return [*paths, "--matrix", str(default_matrix()), "--truth", str(truth)]


def _revoked_then_sent() -> Scenario:
    s = Scenario()
    s.person("gt_1", crm="c1", portal="a1")
    s.create("crm", "c1", {"phone": "+15550100001"})
    s.create("portal", "a1", {"given_name": "Ana"})
    s.consent("consent.revoke", "a1", "HMARKT:sms")
    return s


def test_clean_histories_exit_zero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", *_write(_revoked_then_sent(), tmp_path)])

    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_an_anomaly_exits_one_and_json_names_code_witnesses_and_person(tmp_path: Path) -> None:
    s = _revoked_then_sent()
    send = s.send("c1", "HMARKT:sms")

    result = runner.invoke(app, ["check", *_write(s, tmp_path), "--format", "json"])

    assert result.exit_code == 1
    body = json.loads(result.output)
    (found,) = body["anomalies"]
    assert found["code"] == "message_after_revocation"
    assert found["person"] == "gt_1"
    assert {"file": "crm.jsonl", "index": send, "what": "message sent"} in found["witnesses"]
    assert body["summary"]["by_code"] == {"message_after_revocation": 1}


def test_unreadable_history_exits_two_naming_file_and_line(tmp_path: Path) -> None:
    args = _write(_revoked_then_sent(), tmp_path)
    (tmp_path / "crm.jsonl").write_text('{"index": 0}\n')

    result = runner.invoke(app, ["check", *args])

    assert result.exit_code == 2
    assert "crm.jsonl:1" in result.output
    assert "field 'op' is missing" in result.output


def test_text_report_has_a_summary_and_each_anomaly_with_witnesses() -> None:
    s = _revoked_then_sent()
    s.send("c1", "HMARKT:sms")
    verdict = s.check()

    text = render_text(verdict)

    assert "1 anomaly" in text
    assert "message_after_revocation" in text
    assert "person gt_1, field HMARKT:sms" in text
    assert "witnesses: portal.jsonl#" in text
    assert "not judged: missing_audit" in text
    assert json.loads(render_json(verdict))["ok"] is False


def test_reading_in_a_worker_process_gives_the_same_verdict(tmp_path: Path) -> None:
    s = _revoked_then_sent()
    s.send("c1", "HMARKT:sms")
    args = [*_write(s, tmp_path), "--format", "json"]

    here = runner.invoke(app, ["check", *args, "--workers", "0"])
    there = runner.invoke(app, ["check", *args, "--workers", "1"])

    assert (here.exit_code, there.exit_code) == (1, 1), there.output
    first, second = json.loads(here.output), json.loads(there.output)
    del first["summary"]["seconds"], second["summary"]["seconds"]
    assert first == second
