"""Bind every feature under features/consent and features/revocation_races to the consent steps."""

from __future__ import annotations

from pytest_bdd import scenarios

from tests.bdd.consent_steps import *  # noqa: F403 -- pytest-bdd finds steps as module fixtures

scenarios("consent", "revocation_races")
