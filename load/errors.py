"""Errors of the load harness. The tree::

    LoadError
    ├── RunnerError          the world process did not start, answer or finish
    ├── ThresholdsError      the thresholds file is missing or malformed
    └── ObserverError        the change-feed observer could not register with a system

Messages name the file, system or option and the fix; never a PHI value.
"""

from __future__ import annotations

__all__ = ["LoadError", "ObserverError", "RunnerError", "ThresholdsError"]


class LoadError(Exception):
    """Base of every error the load harness raises on purpose."""


class RunnerError(LoadError):
    pass


class ThresholdsError(LoadError):
    pass


class ObserverError(LoadError):
    pass
