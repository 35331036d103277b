"""The bulk dedupe/link report: band counts, a score histogram, sample waterfalls per band.

Self-contained HTML (inline SVG and CSS), every text escaped. It shows record ids, bands,
scores and comparison levels; never a compared value.
"""

from __future__ import annotations

import math
from collections import Counter
from html import escape

from splitbrain.engine.adapters.identity.bulk import BulkResult
from splitbrain.engine.adapters.identity.explain_html import WATERFALL_CSS, waterfall_div

__all__ = ["bulk_report_html", "histogram_svg"]

_BANDS = ("high", "medium", "low", "none", "ambiguous", "ineligible")
_BAND_COLORS = {"high": "#2e7d32", "medium": "#ef6c00", "low": "#6d4c41", "none": "#9e9e9e"}
_CSS = """
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
td, th { border: 1px solid #ddd; padding: .25rem .75rem; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
"""


def histogram_svg(scores: list[tuple[float, str]], width: int = 720, height: int = 220) -> str:
    """Pair scores in unit-wide bins, stacked by band."""
    if not scores:
        return "<p>No pairs scored at low or above.</p>"
    low = math.floor(min(s for s, _ in scores))
    high = math.floor(max(s for s, _ in scores)) + 1
    bins: Counter[tuple[int, str]] = Counter((math.floor(s), b) for s, b in scores)
    totals = Counter(math.floor(s) for s, _ in scores)
    tallest = max(totals.values())
    n = high - low
    bar = (width - 60) / n
    plot = height - 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'role="img" aria-label="score histogram">'
    ]
    for i in range(n):
        x, y = 50 + i * bar, float(plot + 10)
        for band in ("none", "low", "medium", "high"):
            count = bins.get((low + i, band), 0)
            if count:
                h = count / tallest * plot
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="{_BAND_COLORS[band]}"><title>score '
                    f"{low + i}..{low + i + 1}: {count} {band}</title></rect>"
                )
    parts.append(
        f'<text x="50" y="{height - 8}" font-size="12">{low}</text>'
        f'<text x="{width - 10}" y="{height - 8}" font-size="12" text-anchor="end">{high}</text>'
        f'<text x="5" y="20" font-size="12">{tallest}</text>'
        f'<text x="{width / 2}" y="{height - 8}" font-size="12" text-anchor="middle">'
        "score (log2 odds)</text></svg>"
    )
    return "".join(parts)


def bulk_report_html(result: BulkResult, title: str) -> str:
    pair_bands = Counter(p.band for p in result.pairs)
    rows = "".join(
        f"<tr><td>{escape(b)}</td><td>{result.decisions.get(b, 0)}</td>"
        f"<td>{pair_bands.get(b, 0) if b in _BAND_COLORS else ''}</td></tr>"
        for b in _BANDS
    )
    persons = len(set(result.persons.values()))
    samples = "".join(
        f"<h3>Band {escape(band)}</h3>" + "".join(waterfall_div(t, e) for t, e in items)
        for band in _BANDS
        if (items := result.samples.get(band))
    )
    histogram = histogram_svg([(p.score, p.band) for p in result.pairs])
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{WATERFALL_CSS}{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>{len(result.persons)} records, {persons} persons, {len(result.pairs)} pairs at "
        "low or above.</p>"
        "<h2>Bands</h2><table><tr><th>band</th><th>records decided</th><th>pairs</th></tr>"
        f"{rows}</table><h2>Score histogram</h2>{histogram}"
        f"<h2>Sample explanations</h2>{samples or '<p>No pairs.</p>'}</body></html>"
    )
