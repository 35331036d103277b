"""Our summary of a load run: latency percentiles per path, achieved rate, generator CPU and the
checker's verdict, as JSON and markdown beside Locust's own CSV and HTML reports.

``summarize`` reads Locust's (merged, in distributed mode) ``RequestStats`` by duck typing, so
this module imports nothing of Locust::

    summary = summarize(env.stats, verdict=verdict, cpu=cpu, extra={...})
    write(summary, Path("out/load"))        # summary.json, summary.md
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from load.marks import CONSENT, SYNC

__all__ = ["markdown", "summarize", "write"]


def _figures(entry: Any) -> dict[str, Any]:
    count = int(entry.num_requests)  # Locust counts failed requests here too
    quantile = entry.get_response_time_percentile
    return {
        "count": count,
        "failures": int(entry.num_failures),
        "p50": float(quantile(0.50)) if entry.num_requests else None,
        "p95": float(quantile(0.95)) if entry.num_requests else None,
        "p99": float(quantile(0.99)) if entry.num_requests else None,
        "max": float(entry.max_response_time) if entry.num_requests else None,
        "rps": float(entry.total_rps),
    }


def summarize(
    stats: Any, *, verdict: Mapping[str, Any] | None, cpu: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    requests: dict[str, Any] = {}
    sync: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    sent = failed = 0
    for (name, method), entry in sorted(stats.entries.items()):
        figures = _figures(entry)
        sent += figures["count"]
        failed += figures["failures"]
        if method == SYNC:
            sync[name] = figures
        elif method == CONSENT:
            consent[name] = figures
        else:
            requests[f"{method} {name}" if method not in name else name] = figures
    total = stats.total
    seconds = max(1e-9, float(total.last_request_timestamp or 0) - float(total.start_time or 0))
    requests_sent = sum(f["count"] for f in requests.values())
    return {
        "duration_s": round(seconds, 3),
        "achieved_rate_rps": round(requests_sent / seconds, 2),
        "requests_total": requests_sent,
        "failure_ratio": failed / sent if sent else 0.0,
        "requests": requests,
        "sync": sync,
        "consent": consent,
        "generator_cpu": dict(cpu),
        "checker": dict(verdict) if verdict is not None else None,
        **dict(extra or {}),
    }


def markdown(summary: Mapping[str, Any]) -> str:
    verdict = summary.get("checker") or {}
    cpu = summary.get("generator_cpu") or {}
    lines = [
        "# Load run", "",
        f"- result: **{'PASS' if summary.get('passed') else 'FAIL'}**"
        f"{'' if summary.get('valid', True) else ' (INVALID: generator CPU above the limit)'}",
        f"- achieved rate: {summary['achieved_rate_rps']} requests/s over "
        f"{summary['duration_s']} s ({summary['requests_total']} requests)",
        f"- failure ratio: {summary['failure_ratio']:.4f}",
        f"- generator CPU: mean {cpu.get('mean', 0):.0f}%, max {cpu.get('max', 0):.0f}% "
        f"of one core",
        f"- checker: {verdict.get('operations', 0)} operations, "
        f"{len(verdict.get('anomalies') or [])} anomalies",
        "",
    ]  # fmt: skip
    for title, table in (("Sync latency (ms)", summary["sync"]),
                         ("Consent propagation (ms)", summary["consent"]),
                         ("Requests (ms)", summary["requests"])):  # fmt: skip
        lines += [f"## {title}", "", "| name | count | failures | p50 | p95 | p99 | max |",
                  "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        for name, f in table.items():
            cells = [_ms(f[k]) for k in ("p50", "p95", "p99", "max")]
            lines.append(f"| {name} | {f['count']} | {f['failures']} | {' | '.join(cells)} |")
        lines.append("")
    for heading, items in (("SLO breaches", summary.get("breaches") or []),
                           ("Anomalies", [f"{a['code']}: {a['explanation']}"
                                          for a in verdict.get("anomalies") or []])):  # fmt: skip
        lines += [f"## {heading}", ""] + ([f"- {i}" for i in items] or ["- none"]) + [""]
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def write(summary: Mapping[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    as_json = out / "summary.json"
    as_json.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    as_md = out / "summary.md"
    as_md.write_text(markdown(summary), encoding="utf-8")
    return as_json, as_md
