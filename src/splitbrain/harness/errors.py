"""Errors of the harness (world control, actors, checker, reports). The tree::

    HarnessError
    └── WorldError             the world could not start, or was used before it started
        └── PortInUseError     a simulator could not listen on its port

Messages name the system, host and port and the fix; never a PHI value.
"""

from __future__ import annotations

__all__ = ["HarnessError", "PortInUseError", "WorldError"]


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class WorldError(HarnessError):
    pass


class PortInUseError(WorldError):
    pass
