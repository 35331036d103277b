"""Bind features/workflows to the world-level step library, against the reference engine."""

from __future__ import annotations

import pytest
from pytest_bdd import scenarios

from splitbrain.harness.steps import *  # noqa: F403 -- pytest-bdd finds steps as module fixtures
from tests.bdd.live_run import live, splitbrain_run  # noqa: F401 -- fixtures

pytestmark = pytest.mark.e2e

scenarios("workflows")
