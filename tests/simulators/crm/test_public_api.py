"""The CRM and portal packages export exactly what their READMEs document."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        (
            "simulators.crm",
            {"AUTOMATION", "CHANNELS", "OUTREACH_CHANNELS", "PIPELINE_STAGES", "PURPOSES",
             "CrmOptions", "CrmStore", "RateLimit", "create_app"},
        ),
        ("simulators.portal", {"EXPIRY", "PORTAL_STATUSES", "PortalStore", "create_app",
                               "effective"}),
    ],
)  # fmt: skip
def test_package_exports_its_documented_names(package: str, expected: set[str]) -> None:
    module = importlib.import_module(package)

    exported = set(module.__all__)

    assert exported == expected
    assert all(hasattr(module, name) for name in exported)
