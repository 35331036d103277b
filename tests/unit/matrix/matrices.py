"""Test matrices: the shipped telehealth file, the bad-matrix folder, and a tiny matrix to vary.

``tiny(status={...})`` returns the tiny lint-clean matrix plus the given rows (each starting
from ``ROW``), round-tripped through real YAML so line marks exist.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from splitbrain.matrix import Matrix, lint, parse_matrix

REPO = Path(__file__).resolve().parents[3]
TELEHEALTH = REPO / "scenarios" / "matrices" / "telehealth.yaml"
README = REPO / "scenarios" / "matrices" / "README.md"
BAD = Path(__file__).resolve().parent / "bad"

BASE: dict[str, Any] = {
    "name": "tiny",
    "version": "1",
    "systems": {"ehr": {"label": "EHR"}, "crm": {"label": "CRM"}, "portal": {}},
    "roles": {name: {} for name in ("provider", "clinical_ops", "intake_ops", "patient")},
    "stages": ["lead", "intake", "in_care"],
    "enums": {"care_stage": {"canonical": ["lead", "intake", "in_care"]}},
    "fields": {
        "care_stage": {
            "description": "The lifecycle stage.",
            "kind": "enum",
            "enum": "care_stage",
            "disclosure": "operational",
            "owner": "crm",
            "sync": "crm_to_ehr_summary",
            "conflict_rule": "owner_authoritative",
            "escalation_owner": "clinical_ops",
            "sla": "1d",
        },
    },
}

ROW: dict[str, Any] = {
    "description": "A field under test.",
    "disclosure": "operational",
    "owner": "crm",
    "sync": "crm_to_ehr",
    "conflict_rule": "owner_authoritative",
    "escalation_owner": "clinical_ops",
    "sla": "4h",
}


def tiny_data(top: dict[str, Any] | None = None, **rows: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(top or {}))
    for name, row in rows.items():
        data["fields"][name] = {**copy.deepcopy(ROW), **row}
    return data


def tiny(top: dict[str, Any] | None = None, **rows: dict[str, Any]) -> Matrix:
    text = yaml.safe_dump(tiny_data(top, **rows), sort_keys=False)
    return parse_matrix(text, file="tiny.yaml")


def codes(matrix: Matrix) -> list[str]:
    return [finding.code for finding in lint(matrix)]
