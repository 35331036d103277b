"""Errors of the SUT side of the harness (adapters and the contract). The tree::

    HarnessError                    (splitbrain.harness.errors)
    └── SutError                    anything about the system under test
        ├── SutSpecError            an adapter spec the harness does not know (``--sut``)
        ├── ContractError           a contract file or environment that cannot be read
        └── SutStartError           the SUT did not start or did not listen in time

Messages name the adapter, the command or the file, the rule and the fix; never a PHI value
(the SUT's stderr tail is quoted only for the command adapter, which runs the team's own code).
"""

from __future__ import annotations

from splitbrain.harness.errors import HarnessError

__all__ = ["ContractError", "SutError", "SutSpecError", "SutStartError"]


class SutError(HarnessError):
    """Base of every error about the system under test."""


class SutSpecError(SutError, ValueError):
    pass


class ContractError(SutError):
    pass


class SutStartError(SutError):
    pass
