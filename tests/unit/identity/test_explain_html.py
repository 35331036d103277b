from __future__ import annotations

from splitbrain.engine.adapters.identity.explain_html import waterfall_page, waterfall_svg
from splitbrain.engine.domain.identity.explain import Contribution, Explanation


def _explanation() -> Explanation:
    parts = (
        Contribution("phone", "exact", 13.0),
        Contribution("given", "else", -5.0),
        Contribution("email", "null", 0.0),
    )
    return Explanation(prior=-5.6, contributions=parts, total=2.4, band="low")


def test_the_waterfall_has_a_bar_per_comparison_colored_by_sign() -> None:
    svg = waterfall_svg(_explanation())

    assert svg.count("<rect") == 5  # prior, three comparisons, total
    assert "#2e7d32" in svg and "#c62828" in svg and "#9e9e9e" in svg
    assert "phone: exact" in svg and "+13.00" in svg


def test_the_page_is_self_contained_and_escapes_titles() -> None:
    page = waterfall_page([("<script>alert(1)</script>", _explanation())], heading="a & b")

    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page and "a &amp; b" in page
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
