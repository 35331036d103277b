"""Bind every feature under features/conflicts and features/stale_writes to the steps."""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("conflicts", "stale_writes")
