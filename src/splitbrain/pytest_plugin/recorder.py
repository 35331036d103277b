"""``--splitbrain-out DIR``: what each test did, for ``splitbrain run`` to report.

For every test: one line in ``DIR/results.jsonl`` (``nodeid``, ``name``, ``outcome``,
``message``, ``seconds``, ``verdict``, ``judged``, ``histories``). A test that used the
``world`` fixture also leaves its histories in ``DIR/histories/<slug>/SYSTEM.jsonl`` and the
checker's verdict of them (with the scenario's ground truth when it used the step library).
``judged`` says whether the scenario asked the checker itself (then its outcome already holds
the verdict's meaning, e.g. a scenario that expects ``phi_leak``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from splitbrain.harness.history_files import save_histories, sources_of
from splitbrain.harness.live import LiveRun

__all__ = ["RESULTS", "Recorder"]

RESULTS = "results.jsonl"
_KEY = pytest.StashKey[dict[str, Any]]()


class Recorder:
    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._reports: dict[str, dict[str, Any]] = {}
        self._items: dict[str, pytest.Item] = {}

    def collect(self, node: pytest.Item, run: LiveRun) -> None:
        """Called by the ``world`` fixture before it stops: keep the histories and judge them."""
        from splitbrain.harness.checker import check

        found: dict[str, Any] = {}
        node.stash[_KEY] = found
        try:
            run.quiesce()
        except Exception as exc:  # the scenario's outcome says more; record what we can
            found["quiesce_error"] = str(exc)
        histories = run.histories()
        where = self.out / "histories" / _slug(node.nodeid)
        save_histories(histories, where)
        found["histories"] = str(where.relative_to(self.out))
        story = node.funcargs.get("splitbrain_story") if hasattr(node, "funcargs") else None
        if story is not None:
            # the scenario judged itself when its steps asked for the verdict
            found["judged"] = getattr(story, "_verdict", None) is not None
            verdict = story.verdict()
        else:
            found["judged"] = False
            verdict = check(sources_of(histories), run.contract.matrix)
        found["verdict"] = verdict.to_json()

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self._reports.setdefault(report.nodeid, {"outcome": "passed", "message": "",
                                                          "seconds": 0.0})  # fmt: skip
        entry["seconds"] += report.duration
        if report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = (entry["message"] + "\n" + report.longreprtext).strip()[-6000:]
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"
            entry["message"] = _skip_reason(report)

    @pytest.hookimpl
    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        entry = self._reports.pop(nodeid, None)
        item = self._items.pop(nodeid, None)
        if entry is None:
            return
        found = item.stash.get(_KEY, {}) if item is not None else {}
        line = {"nodeid": nodeid, "name": _name(item, nodeid), **entry,
                "verdict": found.get("verdict"), "judged": found.get("judged", False),
                "histories": found.get("histories"),
                "quiesce_error": found.get("quiesce_error")}  # fmt: skip
        with (self.out / RESULTS).open("ab") as handle:
            handle.write(orjson.dumps(line) + b"\n")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        self._items[item.nodeid] = item


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-120:]


def _name(item: pytest.Item | None, nodeid: str) -> str:
    """``Feature: Scenario`` for a pytest-bdd scenario (its test's docstring), else the id."""
    if item is not None and "_pytest_bdd_example" in getattr(item, "fixturenames", ()):
        doc = getattr(getattr(item, "function", None), "__doc__", None)
        if doc:
            suffix = nodeid.partition("[")[2]
            return f"{doc} [{suffix}" if suffix else str(doc)
    return nodeid


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)
