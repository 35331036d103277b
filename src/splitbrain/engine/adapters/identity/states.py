"""US state and territory names (folded) -> USPS codes, for tidying addresses."""

from __future__ import annotations

__all__ = ["STATE_CODES"]

_NAMES = (
    "AL alabama|AK alaska|AZ arizona|AR arkansas|CA california|CO colorado|CT connecticut|"
    "DE delaware|DC district of columbia|FL florida|GA georgia|HI hawaii|ID idaho|IL illinois|"
    "IN indiana|IA iowa|KS kansas|KY kentucky|LA louisiana|ME maine|MD maryland|"
    "MA massachusetts|MI michigan|MN minnesota|MS mississippi|MO missouri|MT montana|"
    "NE nebraska|NV nevada|NH new hampshire|NJ new jersey|NM new mexico|NY new york|"
    "NC north carolina|ND north dakota|OH ohio|OK oklahoma|OR oregon|PA pennsylvania|"
    "RI rhode island|SC south carolina|SD south dakota|TN tennessee|TX texas|UT utah|"
    "VT vermont|VA virginia|WA washington|WV west virginia|WI wisconsin|WY wyoming|"
    "PR puerto rico|GU guam|VI virgin islands|AS american samoa|MP northern mariana islands"
)

STATE_CODES: dict[str, str] = {
    name: code for code, _, name in (entry.partition(" ") for entry in _NAMES.split("|"))
}
"""Folded state name -> USPS code (a code passes through upper-cased)."""
