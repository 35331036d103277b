"""Errors of ``splitbrain run``. The tree::

    HarnessError                (splitbrain.harness.errors)
    └── RunnerError             the run could not be set up
        ├── InputError          a path that is not a feature, a conflict case or a directory
        ├── FeatureRunError     pytest could not run the features at all (not a failing test)
        └── CasePlayError       a catalog case's set-up or read was refused by a simulator

The CLI answers each with exit code 2 and its message (the path or command, the rule, the fix),
except ``CasePlayError``, which fails only its case.
"""

from __future__ import annotations

from splitbrain.harness.errors import HarnessError

__all__ = ["CasePlayError", "FeatureRunError", "InputError", "RunnerError"]


class RunnerError(HarnessError):
    pass


class InputError(RunnerError):
    pass


class FeatureRunError(RunnerError):
    pass


class CasePlayError(RunnerError):
    """Reported as the case's error outcome (the run goes on), not as exit code 2."""
