"""What ``splitbrain run`` leaves behind: ``junit.xml`` for CI, ``report.html`` for people, and
the weekly metrics (DESIGN §11) as far as the verdicts show them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from splitbrain.harness.report import MetricLine
from splitbrain.harness.runner.results import RunResult

__all__ = ["metric_lines", "write_junit", "write_report"]

_ENV = Environment(
    loader=PackageLoader("splitbrain.harness", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def write_junit(results: Sequence[RunResult], path: Path) -> None:
    """One test suite per kind (features, conflict-catalog); a failure lists its problems."""
    root = ET.Element("testsuites", name="splitbrain", tests=str(len(results)),
                      failures=str(sum(r.status == "failed" for r in results)))  # fmt: skip
    for suite in sorted({r.suite for r in results}):
        mine = [r for r in results if r.suite == suite]
        node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(mine)),
                             failures=str(sum(r.status == "failed" for r in mine)), errors="0",
                             skipped=str(sum(r.status == "skipped" for r in mine)),
                             time=f"{sum(r.seconds for r in mine):.3f}")  # fmt: skip
        for result in mine:
            case = ET.SubElement(node, "testcase", classname=suite, name=result.name,
                                 time=f"{result.seconds:.3f}")  # fmt: skip
            if result.status == "skipped":
                ET.SubElement(case, "skipped", message=result.message[:500])
            elif result.status == "failed":
                problems = result.problems() or ["failed"]
                kind = _failure_kind(result)
                failure = ET.SubElement(case, "failure", message=problems[0][:500], type=kind)
                failure.text = "\n".join(problems)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def metric_lines(results: Sequence[RunResult]) -> list[MetricLine]:
    verdicts = [r.verdict for r in results if r.verdict is not None]
    codes: Counter[str] = Counter()
    for verdict in verdicts:
        codes.update(verdict["summary"]["by_code"])
    p95 = [v["revocation_latency"]["p95_s"] for v in verdicts
           if v["revocation_latency"].get("p95_s") is not None]  # fmt: skip
    revokes = sum(v["revocation_latency"]["revokes"] for v in verdicts)
    honored = sum(v["revocation_latency"]["honored"] for v in verdicts)
    operations = sum(v["summary"]["operations"] for v in verdicts)

    def count(*names: str) -> str:
        return str(sum(codes[n] for n in names))

    return [
        MetricLine("Operations judged", str(operations),
                   f"over {len(verdicts)} runs of the world (one per scenario or case)"),
        MetricLine("Duplicate patients created", count("duplicate_person", "wrong_merge"),
                   "two live records of one person in one system, or a merge of two people"),
        MetricLine("Writes against the ownership matrix", count("non_owner_write"),
                   "a system or role wrote a field the matrix does not let it write"),
        MetricLine("Stale or lost updates", count("stale_overwrite", "lost_update"),
                   "an older value overwrote a newer one, or an acknowledged write vanished"),
        MetricLine("Systems left disagreeing", count("divergence"),
                   "after quiescence, systems the sync direction ties together disagree"),
        MetricLine("Messages after revocation", count("message_after_revocation"),
                   "outreach sent after the patient withdrew consent"),
        MetricLine("Revocation propagation (p95)",
                   f"{max(p95):.3f} s" if p95 else "-",
                   f"{honored} of {revokes} revocations honored by every consumer"),
        MetricLine("PHI leaks", count("phi_leak"),
                   "a restricted value or canary where its disclosure class forbids it"),
        MetricLine("Double effects and lost events", count("double_effect", "lost_event"),
                   "a retry applied twice, or an inbound event that never finished"),
    ]  # fmt: skip


def write_report(results: Sequence[RunResult], path: Path, *, sut: str, matrix: str) -> None:
    template = _ENV.get_template("run_report.html.j2")
    html = template.render(
        sut=sut, matrix=matrix, results=results, metrics=metric_lines(results),
        failed=sum(r.status == "failed" for r in results),
        skipped=sum(r.status == "skipped" for r in results),
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")


def _failure_kind(result: RunResult) -> str:
    """``Anomaly`` (the checker's only), ``WrongWinner`` (a catalog case's end state), or
    ``ScenarioFailed`` (a feature's step)."""
    if result.outcome == "passed":
        return "Anomaly"
    return "WrongWinner" if result.suite == "conflict-catalog" else "ScenarioFailed"
