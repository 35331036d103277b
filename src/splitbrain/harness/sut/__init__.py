"""The system under test: the contract it joins a run by, and the adapters that start it.

::

    from splitbrain.harness.sut import Contract, parse_sut

    sut = parse_sut("command:python -m my_engine")      # or reference, serve, http:URL
    with LiveRun.start(world, matrix=matrix, sut=sut) as run:
        ...

The contract is docs/sut-contract.md; a SUT written in Python reads it with
``Contract.from_env()``.
"""

from __future__ import annotations

from splitbrain.harness.sut.adapter import Sut, free_port, wait_for_port
from splitbrain.harness.sut.contract import CONTRACT_VERSION, ClientKey, Contract
from splitbrain.harness.sut.errors import ContractError, SutError, SutSpecError, SutStartError
from splitbrain.harness.sut.process import CommandSut, ServeSut
from splitbrain.harness.sut.reference import ReferenceSut
from splitbrain.harness.sut.remote import HttpSut
from splitbrain.harness.sut.spec import SPECS, parse_sut

__all__ = [
    "CONTRACT_VERSION",
    "SPECS",
    "ClientKey",
    "CommandSut",
    "Contract",
    "ContractError",
    "HttpSut",
    "ReferenceSut",
    "ServeSut",
    "Sut",
    "SutError",
    "SutSpecError",
    "SutStartError",
    "free_port",
    "parse_sut",
    "wait_for_port",
]
