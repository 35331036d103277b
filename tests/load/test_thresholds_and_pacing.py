"""SLOs from load/thresholds.yaml judge a summary; fixed-rate pacing keeps its schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from load.errors import ThresholdsError
from load.pacing import Pacing, fixed_rate
from load.paths import CONSENT_PATHS, SYNC_PATHS
from load.people import People
from load.thresholds import Thresholds

ROOT = Path(__file__).resolve().parents[2]


def _figures(p95: float, p99: float, count: int = 10, failures: int = 0) -> dict[str, Any]:
    return {"count": count, "failures": failures, "p50": 1.0, "p95": p95, "p99": p99}


def _summary(**over: Any) -> dict[str, Any]:
    return {
        "sync": {p: _figures(10, 20) for p in SYNC_PATHS},
        "consent": {p: _figures(10, 20) for p in CONSENT_PATHS},
        "failure_ratio": 0.0,
        **over,
    }


def test_the_shipped_thresholds_pass_a_run_inside_every_slo() -> None:
    slo = Thresholds.load(ROOT / "load" / "thresholds.yaml")

    assert slo.breaches(_summary()) == []
    assert slo.limits("sync", "crm→ehr") == {"p95": 50, "p99": 100}


def test_a_slow_path_an_unmeasured_path_and_failures_are_each_named() -> None:
    slo = Thresholds.load(ROOT / "load" / "thresholds.yaml")
    summary = _summary(failure_ratio=0.05)
    summary["sync"]["portal→ehr"] = _figures(40, 180)
    del summary["sync"]["crm→portal"]
    summary["consent"]["revoke→all"] = _figures(100, 400)

    breaches = slo.breaches(summary)

    assert "sync portal→ehr: p99 180.0 ms > 100 ms" in breaches
    assert "sync crm→portal: not measured (no change seen on this path)" in breaches
    assert "consent revoke→all: p99 400.0 ms > 250 ms" in breaches
    assert "failure ratio 0.0500 > 0.01" in breaches


def test_an_unknown_key_in_the_thresholds_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("sync: {}\nlatency: 5\n")

    with pytest.raises(ThresholdsError, match="unknown keys latency"):
        Thresholds.load(path)


class _User:
    pass


def test_fixed_rate_keeps_the_schedule_whatever_the_task_took() -> None:
    now = [0.0]
    pacing = Pacing()
    wait = fixed_rate(2.0, clock=lambda: now[0], pacing=pacing)
    user = _User()
    first = wait(user)  # a random phase inside the first interval
    now[0] = first + 0.1  # the task took 100 ms

    assert wait(user) == pytest.approx(0.4)
    now[0] = first + 2.0  # a 1.5 s stall: three slots are due
    assert wait(user) == 0.0
    assert wait(user) == 0.0
    assert pacing.late == 2 and pacing.worst == pytest.approx(1.0)


def test_people_never_repeat_a_family_name_phone_or_email_across_processes() -> None:
    one, two = People(seed=1, salt="w0", area=0), People(seed=1, salt="w1", area=1)
    people = [p for _ in range(500) for p in (one.new(), two.new())]

    for attribute in ("family", "phone", "email"):
        values = [getattr(p, attribute) for p in people]
        assert len(set(values)) == len(values), attribute
