"""JUnit XML for CI dashboards: one test case per conflict case, failures naming each mismatch."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from splitbrain.harness.governance import CaseResult


def write_junit(
    results: Sequence[CaseResult], path: Path, *, suite: str = "conflict-catalog"
) -> None:
    failures = sum(1 for r in results if not r.passed)
    root = ET.Element(
        "testsuites", name="splitbrain", tests=str(len(results)), failures=str(failures)
    )
    node = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for result in results:
        case = ET.SubElement(
            node, "testcase", classname=suite, name=f"{result.case.id} {result.case.title}"
        )
        if not result.passed:
            problems = [
                *result.problems,
                *(f"write '{s.write_id}': {m}" for s in result.steps for m in s.mismatches),
            ]
            failure = ET.SubElement(case, "failure", message=problems[0], type="CaseMismatch")
            failure.text = "\n".join(problems)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
