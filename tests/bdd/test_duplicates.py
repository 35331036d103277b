"""Bind every feature under features/duplicates to the identity steps (``identity_steps``)."""

from __future__ import annotations

from pytest_bdd import scenarios

from tests.bdd.identity_steps import *  # noqa: F403  (pytest-bdd finds steps as module fixtures)

scenarios("duplicates")
