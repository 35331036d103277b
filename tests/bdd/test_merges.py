"""Bind every feature under features/merges to the merge steps (``merge_steps``)."""

from __future__ import annotations

from pytest_bdd import scenarios

from tests.bdd.merge_steps import *  # noqa: F403  (pytest-bdd finds steps as module fixtures)

scenarios("merges")
