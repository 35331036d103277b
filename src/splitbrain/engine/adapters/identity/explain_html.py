"""A match decision as an HTML waterfall, as Splink draws it: bars from the prior to the total.

Each row is one comparison: a bar from the running total before it to the running total after
it, green when it adds weight, red when it takes weight away, grey when the value was missing
(null). The first bar is the prior, the last the total, with the band and probability. The
output is self-contained HTML with inline SVG and CSS, every text escaped; it names levels,
weights and record keys, never a compared value.

Example::

    Path("why.html").write_text(waterfall_page([("crm/c-1 vs ehr/e-9", explanation)]))
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from splitbrain.engine.domain.identity.explain import Explanation

__all__ = ["WATERFALL_CSS", "waterfall_div", "waterfall_page", "waterfall_svg"]

_ROW, _LABEL, _WIDTH, _VALUE = 22, 230, 720, 70
_COLORS = {"up": "#2e7d32", "down": "#c62828", "null": "#9e9e9e", "total": "#1565c0"}

WATERFALL_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #212121; }
.waterfall { margin: 1rem 0 2rem; }
.waterfall h3 { font-size: 1rem; margin: 0 0 .25rem; }
.waterfall p { margin: 0 0 .5rem; color: #555; font-size: .9rem; }
.waterfall svg text { font-size: 12px; font-family: ui-monospace, monospace; }
.band-high { color: #2e7d32; } .band-medium { color: #ef6c00; }
.band-low { color: #6d4c41; } .band-none { color: #616161; }
"""


def _rows(e: Explanation) -> list[tuple[str, float, float, str]]:
    """(label, start, end, kind) per bar."""
    rows = [("prior", 0.0, e.prior, "up" if e.prior >= 0 else "down")]
    running = e.prior
    for c in e.contributions:
        kind = "null" if c.level == "null" else "up" if c.weight >= 0 else "down"
        tf = " (tf)" if c.tf_adjusted else ""
        rows.append((f"{c.comparison}: {c.level}{tf}", running, running + c.weight, kind))
        running += c.weight
    rows.append(("total", 0.0, e.total, "total"))
    return rows


def waterfall_svg(e: Explanation) -> str:
    """The waterfall of one explanation as an inline SVG element."""
    rows = _rows(e)
    low = min(0.0, *(min(s, t) for _, s, t, _ in rows))
    high = max(0.0, *(max(s, t) for _, s, t, _ in rows))
    span = (high - low) or 1.0
    plot = _WIDTH - _LABEL - _VALUE

    def x(v: float) -> float:
        return _LABEL + (v - low) / span * plot

    height = _ROW * (len(rows) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'role="img" aria-label="match weight waterfall">',
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height - _ROW / 2:.1f}" '
        'stroke="#bdbdbd" stroke-dasharray="3,3"/>',
    ]
    for i, (label, start, end, kind) in enumerate(rows):
        y = i * _ROW + 4
        left, width = min(x(start), x(end)), max(abs(x(end) - x(start)), 1.5)
        weight = end - start
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{_ROW - 6}" '
            f'fill="{_COLORS[kind]}"><title>{escape(label)}: {weight:+.2f}</title></rect>'
            f'<text x="{_WIDTH - _VALUE + 6}" y="{y + 13}">{weight:+.2f}</text>'
        )
    parts.append(
        f'<text x="{_LABEL}" y="{height - 4}">log2 odds: {low:.1f} .. {high:.1f}</text></svg>'
    )
    return "".join(parts)


def waterfall_div(title: str, e: Explanation) -> str:
    """One titled waterfall block (title escaped)."""
    return (
        f'<div class="waterfall"><h3>{escape(title)}</h3>'
        f'<p>score {e.total:+.2f}, band <strong class="band-{escape(e.band)}">'
        f"{escape(e.band)}</strong>, probability {e.probability:.4f}, "
        f"FHIR match-grade {escape(e.match_grade)}</p>{waterfall_svg(e)}</div>"
    )


def waterfall_page(items: Sequence[tuple[str, Explanation]], heading: str = "Match") -> str:
    """A self-contained HTML page of titled waterfalls."""
    body = "".join(waterfall_div(title, e) for title, e in items)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)}</title><style>{WATERFALL_CSS}</style></head>"
        f"<body><h1>{escape(heading)}</h1>{body}</body></html>"
    )
