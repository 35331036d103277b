"""Rendering: the operator-facing table, each row in plain words, safe Markdown and HTML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from splitbrain.matrix import COLUMNS, Matrix, explain, render_html, render_markdown
from splitbrain.matrix.labels import sla_text
from splitbrain.matrix.render import row_cells
from tests.unit.matrix.matrices import tiny

HEADER = (
    "| Field | Owner system | Allowed secondary writer | Sync direction | Conflict rule "
    "| Escalation owner |"
)
HOSTILE = 'Name <script>alert("x")</script> | & co'


def _table_rows(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(HEADER) + 2
    end = lines.index("", start)
    return lines[start:end]


def _cells(row: str) -> list[str]:
    """Split a Markdown row on unescaped pipes."""
    return [cell.strip() for cell in row.replace("\\|", "\0").strip("|").split("|")]


def test_markdown_table_has_the_six_operator_columns(telehealth: Matrix) -> None:
    markdown = render_markdown(telehealth)

    assert HEADER in markdown.splitlines()
    assert tuple(_cells(HEADER)) == COLUMNS


def test_markdown_has_one_row_per_field_in_matrix_order(telehealth: Matrix) -> None:
    rows = _table_rows(render_markdown(telehealth))

    assert [_cells(row)[0].split("`")[1] for row in rows] == list(telehealth.fields)
    assert all(len(_cells(row)) == 6 for row in rows)


def test_legal_name_row_reads_like_the_reference_table(telehealth: Matrix) -> None:
    cells = row_cells(telehealth, "legal_name")

    assert cells == (
        "Patient legal name",
        "CRM before in_care, EHR from in_care",
        "Intake ops (CRM); Provider (EHR)",
        "Bidirectional by stage",
        "Provider-verified update overrides, then stage owner wins",
        "Clinical ops (4h)",
    )


def test_legal_name_is_explained_in_plain_words(telehealth: Matrix) -> None:
    text = explain(telehealth, "legal_name")

    assert text.startswith(
        "Before the in care stage, the CRM owns the patient legal name; from the in care stage "
        "on, the EHR does. Intake ops may also write it in the CRM. A provider may also write it "
        "in the EHR."
    )
    assert (
        "When two writes disagree, a provider-verified update overrides; otherwise the "
        "stage owner wins." in text
    )
    assert "Unresolved conflicts go to clinical ops within 4 hours." in text
    assert "a manual override needs a written reason" in text


def test_medication_plan_is_the_providers_alone(telehealth: Matrix) -> None:
    cells = row_cells(telehealth, "medication_plan")
    text = explain(telehealth, "medication_plan")

    assert cells[2] == "None (only provider, in the EHR)"
    assert cells[3] == "EHR to CRM, summary only"
    assert "Inside the EHR, only a provider may write it." in text
    assert "Unresolved conflicts go to the medical lead within 4 hours." in text


def test_care_stage_secondary_writer_is_limited_to_two_states(telehealth: Matrix) -> None:
    cells = row_cells(telehealth, "care_stage")
    text = explain(telehealth, "care_stage")

    assert cells[2] == "Clinical ops (CRM), only in_care, discharged"
    assert (
        "Clinical ops may also write it in the CRM, but only to set it to in care or "
        "discharged." in text
    )


def test_contact_preference_names_the_patient_and_the_version_check(telehealth: Matrix) -> None:
    text = explain(telehealth, "contact_preference")

    assert "The patient may also write it in the patient portal." in text
    assert "a version check catches a write based on an old version" in text
    assert "the most recent value the patient confirmed wins" in text


def test_every_row_is_explained(telehealth: Matrix) -> None:
    markdown = render_markdown(telehealth)

    for name in telehealth.fields:
        assert f"(`{name}`)\n\n" in markdown
        assert explain(telehealth, name).split(".")[0] in markdown


def test_value_mappings_are_rendered(telehealth: Matrix) -> None:
    markdown = render_markdown(telehealth)

    assert "| Canonical | EHR | CRM |" in markdown
    assert "| paused | on-hold | On Hold |" in markdown


def test_html_page_is_well_formed(telehealth: Matrix) -> None:
    page = render_html(telehealth)

    root = ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))

    assert page.startswith("<!DOCTYPE html>")
    assert root.tag == "html"
    header = [th.text for th in root.iter("th")][: len(COLUMNS)]
    assert tuple(header) == COLUMNS
    assert root.find("head/style") is not None
    assert len(root.findall(".//section")) == len(telehealth.fields)


def test_html_escapes_text_from_the_matrix() -> None:
    matrix = tiny(status={"label": HOSTILE, "description": HOSTILE})

    page = render_html(matrix)

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | &amp; co" in page
    ET.fromstring(page.removeprefix("<!DOCTYPE html>\n"))


def test_markdown_escapes_pipes_and_markup_from_the_matrix() -> None:
    matrix = tiny(status={"label": HOSTILE})

    rows = _table_rows(render_markdown(matrix))

    assert "<script>" not in render_markdown(matrix)
    assert all(len(_cells(row)) == 6 for row in rows)


def test_html_fragment_embeds_without_page_chrome(telehealth: Matrix) -> None:
    fragment = render_html(telehealth, standalone=False)

    root = ET.fromstring(fragment)

    assert root.tag == "div"
    assert "<html" not in fragment
    assert "<style>" not in fragment


@pytest.mark.parametrize(
    ("sla", "short", "words"),
    [
        (timedelta(minutes=30), "30m", "30 minutes"),
        (timedelta(hours=4), "4h", "4 hours"),
        (timedelta(days=1), "1d", "1 day"),
        (timedelta(weeks=2), "2w", "2 weeks"),
        (timedelta(hours=36), "36h", "36 hours"),
    ],
)
def test_sla_reads_short_in_the_table_and_in_words_in_the_explanation(
    sla: timedelta, short: str, words: str
) -> None:
    assert sla_text(sla, short=True) == short
    assert sla_text(sla) == words


def test_explicit_stage_span_and_stage_limited_writer_read_naturally() -> None:
    row = {
        "owner": [
            {"system": "crm", "stages": ["lead", "intake"]},
            {"system": "ehr", "from_stage": "in_care"},
        ],
        "secondary_writers": [{"role": "intake_ops", "system": "ehr", "stages": ["intake"]}],
    }
    matrix = tiny(status=row)

    assert row_cells(matrix, "status")[1] == "CRM at lead, intake, EHR from in_care"
    assert explain(matrix, "status").startswith(
        "At the lead and intake stages, the CRM owns the status; from the in care stage on, the "
        "EHR does. Intake ops may also write it in the EHR at the intake stage."
    )
