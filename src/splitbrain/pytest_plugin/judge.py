"""What the ``history`` and ``checker`` fixtures hand a test: the run's histories and the judge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from splitbrain.harness.checker import HistorySource, Verdict, check, render_text
from splitbrain.harness.checker.checker import TruthInput
from splitbrain.harness.history_files import save_histories, sources_of
from splitbrain.harness.live import LiveRun

__all__ = ["Judge", "RunHistory"]


class RunHistory:
    """The world's histories so far (after quiescence: call ``world.quiesce()`` first)."""

    def __init__(self, run: LiveRun) -> None:
        self._run = run

    def records(self) -> dict[str, list[dict[str, Any]]]:
        return self._run.histories()

    def sources(self) -> list[HistorySource]:
        return sources_of(self.records())

    def save(self, directory: Path) -> list[Path]:
        """One ``SYSTEM.jsonl`` per system (what ``splitbrain check`` reads); their paths."""
        return save_histories(self.records(), directory)


class Judge:
    """The checker over a run: ``verdict()`` waits for quiescence, then judges."""

    def __init__(self, run: LiveRun, matrix: Path) -> None:
        self._run = run
        self.matrix = matrix

    def verdict(self, truth: TruthInput | None = None) -> Verdict:
        self._run.quiesce()
        return check(sources_of(self._run.histories()), self.matrix, truth=truth)

    def assert_clean(self, truth: TruthInput | None = None) -> Verdict:
        verdict = self.verdict(truth)
        assert verdict.ok, render_text(verdict)
        return verdict
