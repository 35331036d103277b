"""The world-level step library's public face: what ``import *`` hands a test module or plugin,
and the errors a scenario author meets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import splitbrain.harness.steps as steps
from splitbrain.harness.steps import Story


class _NoWorld:
    """A session with no world behind it: enough for the steps' bookkeeping."""

    addresses: dict[str, str] = {"ehr": "http://127.0.0.1:1/fhir", "crm": "http://127.0.0.1:2"}

    def call(
        self, system: str, method: str, path: str, *, client: str = "engine", **kwargs: Any
    ) -> httpx.Response:
        raise AssertionError("these tests make no calls")

    def quiesce(self, *, timeout: float = 20.0, settle: float = 0.05) -> None:
        return None

    def histories(self) -> dict[str, list[dict[str, Any]]]:
        return {}


def test_a_star_import_hands_over_every_step_of_every_module() -> None:
    defined = {
        name
        for module in steps.STEP_MODULES
        for name in vars(module)
        if name.startswith("pytestbdd_stepdef_")
    }

    exported = {name for name in steps.__all__ if name.startswith("pytestbdd_stepdef_")}

    assert exported == defined
    assert len(defined) >= 30
    assert "splitbrain_story" in steps.__all__


def test_a_record_no_actor_made_names_the_person_and_the_fix() -> None:
    story = Story(_NoWorld())

    with pytest.raises(AssertionError, match="Ana has no portal record") as caught:
        story.record("Ana", "portal")

    assert "add a step that creates it first" in str(caught.value)


def test_an_unknown_person_is_refused_with_the_names_on_offer() -> None:
    story = Story(_NoWorld())

    with pytest.raises(KeyError, match="Ana"):
        story.person("Zed")


def test_a_record_an_actor_made_is_hers_in_the_ground_truth() -> None:
    story = Story(_NoWorld())

    story.owns("Bea", "portal", "acc-000007")

    assert story.record("Bea", "portal") == "acc-000007"
    assert story.truth.person_of("portal", "acc-000007") == "gt_bea"


def test_the_ehr_root_is_its_server_not_its_fhir_base() -> None:
    story = Story(_NoWorld())

    assert story.root("ehr") == "http://127.0.0.1:1"
    assert story.root("crm") == "http://127.0.0.1:2"
