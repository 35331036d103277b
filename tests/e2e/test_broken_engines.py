"""Prove the judge: each deliberately broken engine is caught, the reference engine is not.

Every broken engine (``tests.fixtures.engines``) is the reference engine with one defect, run
as its own process over the SUT contract (``command:python -m tests.fixtures.engines.X``). Each
test drives the workload that exposes its defect (``tests.fixtures.workloads``) through the
simulators' public APIs, waits for quiescence, reads the three histories and runs the checker
with the real matrix: the expected anomaly code must be reported, with witnesses that point at
real operations. The reference engine, in process and as ``splitbrain engine serve --contract``,
runs every one of those workloads in one world and leaves zero anomalies.

Every SUT sits behind a ``Gatewayed`` hop to the EHR (it forwards everything, and loses one
answer when a workload asks it to).
"""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.checker import Anomaly, AnomalyCode, HistorySource, Truth, Verdict, check
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.sut import Sut, parse_sut
from splitbrain.harness.world import SYSTEMS, World
from tests.fixtures import workloads as w
from tests.fixtures.engines._sut import InProcess
from tests.fixtures.gateway import Gatewayed

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(w.CLIENTS, seed=5)
ANA = w.Person("gt_ana", "Ana", "Quill", "1984-02-29", "ana.quill@example.org", "+12125550142")
CAST = [
    ANA,
    w.Person("gt_ben", "Ben", "Okafor", "1979-11-02", "ben.okafor@example.org", "+12125550143"),
    w.Person("gt_cyd", "Cyd", "Marsh", "1991-06-17", "cyd.marsh@example.org", "+12125550144"),
    w.Person("gt_dee", "Dee", "Hollis", "1968-01-30", "dee.hollis@example.org", "+12125550145"),
    w.Person("gt_eli", "Eli", "Varga", "2001-09-09", "eli.varga@example.org", "+12125550146"),
    w.Person("gt_fay", "Fay", "Sato", "1957-04-21", "fay.sato@example.org", "+12125550147"),
    w.Person("gt_gil", "Gil", "Brandt", "1988-12-12", "gil.brandt@example.org", "+12125550148"),
]
WORKLOADS: list[w.Workload] = [
    w.chart_corrected_twice_notified_out_of_order,
    w.crm_edits_the_birth_date,
    w.chart_edit_during_an_engine_update,
    w.lost_answer_to_a_chart_update,
    w.send_after_revocation,
    w.lead_then_chart,
    w.prescription_sent,
]


def _broken(name: str) -> Sut:
    """The broken engine ``name`` in this process (the build ``python -m`` runs)."""
    module = importlib.import_module(f"tests.fixtures.engines.{name}")
    return InProcess(module.DEFECT)


def _command(name: str) -> str:
    return f"command:{shlex.quote(sys.executable)} -m tests.fixtures.engines.{name}"


def _serve(workdir: Path) -> str:
    splitbrain = Path(sys.executable).with_name("splitbrain")
    return f"command:{splitbrain} engine serve --contract {workdir / 'contract.json'}"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Any]:
    """``live(spec)``: a fresh world with the SUT ``spec`` behind a gateway, stopped after."""
    runs: list[LiveRun] = []

    def start(spec: str | Sut) -> LiveRun:
        sut = Gatewayed(parse_sut(spec) if isinstance(spec, str) else spec)
        workdir = tmp_path / f"sut-{len(runs)}"
        run = LiveRun.start(World(SimulatorSettings(keys=KEYS)), matrix=default_matrix(),
                            sut=sut, workdir=workdir)  # fmt: skip
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()


def _judge(run: LiveRun, truth: Truth) -> Verdict:
    sources = [
        HistorySource.from_text(f"{s}.jsonl", run.world.runtime(s).history.export_jsonl())
        for s in SYSTEMS
    ]
    return check(sources, default_matrix(), truth=truth)


def _caught(run: LiveRun, truth: Truth, code: AnomalyCode) -> list[Anomaly]:
    """The anomalies of ``code``; each witness names a completed operation in its history."""
    verdict = _judge(run, truth)
    found = list(verdict.of(code))
    assert found, f"expected {code.value}, the checker found {sorted(verdict.counts().items())}"
    records = {f"{s}.jsonl": run.world.runtime(s).history.records() for s in SYSTEMS}
    for anomaly in found:
        assert anomaly.witnesses
        for witness in anomaly.witnesses:
            assert records[witness.file][witness.index]["type"] in ("ok", "info")
    return found


def _one_person_run(live: Any, engine: str, workload: w.Workload) -> tuple[LiveRun, Truth]:
    """``engine``: a broken engine's name (run in process) or a ``command:`` spec."""
    run = live(engine if engine.startswith("command:") else _broken(engine))
    truth = Truth()
    workload(run, ANA, truth)
    return run, truth


def test_last_write_wins_engine_is_caught_copying_an_older_birth_date_over_a_newer_one(
    live: Any,
) -> None:
    run, truth = _one_person_run(live, "lww", w.chart_corrected_twice_notified_out_of_order)

    (found,) = _caught(run, truth, AnomalyCode.STALE_OVERWRITE)

    assert (found.person, found.field, found.system) == ("gt_ana", "date_of_birth", "crm")
    newer, _, older, written = found.witnesses
    assert (newer.file, older.file, written.file) == ("ehr.jsonl", "ehr.jsonl", "crm.jsonl")
    assert newer.index > older.index


def test_engine_without_idempotency_is_caught_applying_a_retried_update_twice(live: Any) -> None:
    run, truth = _one_person_run(live, "no_idempotency", w.lost_answer_to_a_chart_update)

    (found,) = _caught(run, truth, AnomalyCode.DOUBLE_EFFECT)

    records = run.world.runtime("ehr").history.records()
    first, again = (records[x.index] for x in found.witnesses)
    assert found.system == "ehr" and first["op"] is not None and again["op"] is not None
    assert [records[first["op"]]["idempotency_key"]] * 2 == [
        records[first["op"]]["idempotency_key"], records[again["op"]]["idempotency_key"]
    ]  # fmt: skip


def test_engine_without_stale_check_is_caught_overwriting_a_concurrent_chart_edit(
    live: Any,
) -> None:
    run, truth = _one_person_run(live, "no_stale_check", w.chart_edit_during_an_engine_update)

    # timing decides whether the regressed birth date also reaches the CRM (a second finding)
    losts = _caught(run, truth, AnomalyCode.LOST_UPDATE)
    stales = _caught(run, truth, AnomalyCode.STALE_OVERWRITE)

    assert {(a.person, a.field, a.system) for a in losts} == {("gt_ana", "date_of_birth", "ehr")}
    # an engine write that lost the change is also the one that regressed the field
    overwrites = {(a.witnesses[-1].file, a.witnesses[-1].index) for a in losts}
    assert any((s.witnesses[-1].file, s.witnesses[-1].index) in overwrites for s in stales)


def test_engine_checking_consent_at_enqueue_is_caught_sending_after_a_revocation(
    live: Any,
) -> None:
    run, truth = _one_person_run(live, "consent_at_enqueue", w.send_after_revocation)

    (found,) = _caught(run, truth, AnomalyCode.MESSAGE_AFTER_REVOCATION)

    assert (found.person, found.field) == ("gt_ana", "HMARKT:sms")
    assert [x.file for x in found.witnesses] == ["portal.jsonl", "crm.jsonl"]


def test_engine_without_duplicate_check_is_caught_making_a_second_contact(live: Any) -> None:
    run, truth = _one_person_run(live, "no_duplicate_check", w.lead_then_chart)

    (found,) = _caught(run, truth, AnomalyCode.DUPLICATE_PERSON)

    assert (found.person, found.system) == ("gt_ana", "crm")
    assert len(w.contacts_of(run, ANA)) == 2


def test_engine_sending_phi_untokenized_is_caught_leaking_the_medication_plan(
    live: Any,
) -> None:
    run, truth = _one_person_run(live, "untokenized_phi", w.prescription_sent)

    (found,) = _caught(run, truth, AnomalyCode.PHI_LEAK)

    assert (found.person, found.field, found.system) == ("gt_ana", "medication_plan", "crm")
    assert ANA.plan not in found.explanation


def test_engine_letting_the_crm_write_the_birth_date_is_caught_as_a_non_owner_write(
    live: Any,
) -> None:
    run, truth = _one_person_run(live, "non_owner_write", w.crm_edits_the_birth_date)

    (found,) = _caught(run, truth, AnomalyCode.NON_OWNER_WRITE)

    assert (found.person, found.field, found.system) == ("gt_ana", "date_of_birth", "ehr")


def test_a_broken_engine_runs_as_its_own_process_over_the_contract(live: Any) -> None:
    run, truth = _one_person_run(live, _command("no_duplicate_check"), w.lead_then_chart)

    (found,) = _caught(run, truth, AnomalyCode.DUPLICATE_PERSON)

    assert found.person == "gt_ana"
    assert run.service is None  # a process, judged only by what the world saw


@pytest.mark.parametrize("how", ["reference", "serve"])
def test_reference_engine_leaves_no_anomaly_after_every_workload(
    live: Any, tmp_path: Path, how: str
) -> None:
    run = live("reference" if how == "reference" else _serve(tmp_path / "sut-0"))
    truth = Truth()

    for workload, person in zip(WORKLOADS, CAST, strict=True):
        workload(run, person, truth)

    verdict = _judge(run, truth)
    assert verdict.ok, [(a.code.value, a.person, a.field) for a in verdict.anomalies]
    assert verdict.operations > 80
