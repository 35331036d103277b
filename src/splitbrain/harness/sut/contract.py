"""The SUT contract: where the world is and where the system under test must listen.

The harness starts the world on loopback ports, writes this contract (JSON, version 1) into the
SUT's scratch directory and hands it over in the environment (docs/sut-contract.md)::

    contract.write()                         # WORKDIR/contract.json
    subprocess.Popen(cmd, env={**os.environ, **contract.env()})

and a SUT written in Python reads it back::

    contract = Contract.from_env()           # $SPLITBRAIN_CONTRACT
    contract.base("crm"), contract.key, (contract.sut_host, contract.sut_port)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

from splitbrain.harness.sut.errors import ContractError

__all__ = ["CONTRACT_FILE", "CONTRACT_VERSION", "ClientKey", "Contract"]

CONTRACT_VERSION = 1
CONTRACT_FILE = "contract.json"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ClientKey:
    """One client of the world's key ring: its bearer key and its role."""

    key: str
    role: str

    def __repr__(self) -> str:  # never print a key
        return f"ClientKey(role={self.role!r})"


@dataclass(frozen=True, slots=True)
class Contract:
    """Everything a SUT needs to join a run; ``to_json``/``from_json`` are the file format."""

    ehr_fhir_base: str
    mllp_host: str
    mllp_port: int
    crm_base: str
    portal_base: str
    client: str
    key: str = field(repr=False)
    role: str
    keys: Mapping[str, ClientKey] = field(repr=False)
    sut_host: str
    sut_port: int
    matrix: Path
    workdir: Path
    idle: str | None = "/idle"
    version: int = CONTRACT_VERSION
    sut_mllp_port: int | None = None
    """Where the SUT may receive HL7 v2 ADT over MLLP (on ``sut_host``); optional, may be absent
    from the file. A SUT listening there registers itself as the EHR's ADT peer
    (``PUT {EHR root}/hl7/adt-peers/{client}``)."""

    # -- reading it ---------------------------------------------------------------------------
    @property
    def sut_base(self) -> str:
        host = f"[{self.sut_host}]" if ":" in self.sut_host else self.sut_host
        return f"http://{host}:{self.sut_port}"

    @property
    def path(self) -> Path:
        """Where ``write()`` puts the file and ``SPLITBRAIN_CONTRACT`` points."""
        return self.workdir / CONTRACT_FILE

    def base(self, system: str) -> str:
        """The base URL of ``system`` (``ehr`` is its FHIR base)."""
        bases = {"ehr": self.ehr_fhir_base, "crm": self.crm_base, "portal": self.portal_base}
        if system not in bases:
            raise ContractError(f"unknown system {system!r}; the contract has ehr, crm, portal")
        return bases[system]

    # -- the file -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "ehr": {"fhir_base": self.ehr_fhir_base,
                    "mllp": {"host": self.mllp_host, "port": self.mllp_port}},
            "crm": {"base": self.crm_base},
            "portal": {"base": self.portal_base},
            "credentials": {"client": self.client, "key": self.key, "role": self.role},
            "keys": {name: {"key": c.key, "role": c.role} for name, c in self.keys.items()},
            "sut": {"host": self.sut_host, "port": self.sut_port, "base": self.sut_base,
                    "idle": self.idle}
                   | ({} if self.sut_mllp_port is None else {"mllp_port": self.sut_mllp_port}),
            "matrix": str(self.matrix),
            "workdir": str(self.workdir),
        }  # fmt: skip

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2).decode()

    def write(self, path: Path | None = None) -> Path:
        """Write the JSON file (owner-readable only: it holds keys); returns its path."""
        where = path or self.path
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(self.to_json(), encoding="utf-8")
        where.chmod(0o600)
        return where

    @classmethod
    def from_json(cls, path: str | Path) -> Contract:
        where = Path(path)
        try:
            data = orjson.loads(where.read_bytes())
        except OSError as exc:
            raise ContractError(
                f"cannot read the SUT contract {where} ({exc.strerror}); the harness writes it "
                "and passes its path in SPLITBRAIN_CONTRACT"
            ) from exc
        except orjson.JSONDecodeError as exc:
            raise ContractError(f"the SUT contract {where} is not JSON ({exc.msg})") from exc
        return cls.from_dict(data, source=str(where))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the contract") -> Contract:
        reader = _Reader(data, source)
        version = reader.get(int, "version")
        if version != CONTRACT_VERSION:
            raise ContractError(
                f"{source}: version {version} is not supported; this harness reads version "
                f"{CONTRACT_VERSION} (docs/sut-contract.md)"
            )
        keys = reader.get(dict, "keys")
        idle = reader.optional(str, "sut", "idle")
        return cls(
            ehr_fhir_base=reader.get(str, "ehr", "fhir_base"),
            mllp_host=reader.get(str, "ehr", "mllp", "host"),
            mllp_port=reader.get(int, "ehr", "mllp", "port"),
            crm_base=reader.get(str, "crm", "base"),
            portal_base=reader.get(str, "portal", "base"),
            client=reader.get(str, "credentials", "client"),
            key=reader.get(str, "credentials", "key"),
            role=reader.get(str, "credentials", "role"),
            keys={
                str(name): ClientKey(
                    reader.get(str, "keys", name, "key"), reader.get(str, "keys", name, "role")
                )
                for name in keys
            },
            sut_host=reader.get(str, "sut", "host"),
            sut_port=reader.get(int, "sut", "port"),
            idle=idle,
            matrix=Path(reader.get(str, "matrix")),
            workdir=Path(reader.get(str, "workdir")),
            sut_mllp_port=_mllp_port(data, source),
        )

    # -- the environment ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The environment variables a SUT process receives (``SPLITBRAIN_CONTRACT`` = ``path``)."""
        return {
            "SPLITBRAIN_CONTRACT": str(self.path),
            "SPLITBRAIN_EHR_FHIR_URL": self.ehr_fhir_base,
            "SPLITBRAIN_EHR_MLLP": f"{self.mllp_host}:{self.mllp_port}",
            "SPLITBRAIN_CRM_URL": self.crm_base,
            "SPLITBRAIN_PORTAL_URL": self.portal_base,
            "SPLITBRAIN_CLIENT": self.client,
            "SPLITBRAIN_KEY": self.key,
            "SPLITBRAIN_SUT_HOST": self.sut_host,
            "SPLITBRAIN_SUT_PORT": str(self.sut_port),
            "SPLITBRAIN_MATRIX": str(self.matrix),
            "SPLITBRAIN_WORKDIR": str(self.workdir),
        } | ({} if self.sut_mllp_port is None else {
            "SPLITBRAIN_SUT_MLLP_PORT": str(self.sut_mllp_port)})  # fmt: skip

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Contract:
        """The contract named by ``SPLITBRAIN_CONTRACT`` in ``environ`` (default ``os.environ``)."""
        path = (os.environ if environ is None else environ).get("SPLITBRAIN_CONTRACT")
        if not path:
            raise ContractError(
                "SPLITBRAIN_CONTRACT is not set; run the SUT through the harness "
                "(splitbrain run --sut 'command:CMD') or point it at a contract file"
            )
        return cls.from_json(path)


def _mllp_port(data: Any, source: str) -> int | None:
    """``sut.mllp_port``: optional and nullable (files written before it existed lack it)."""
    sut = data.get("sut") if isinstance(data, dict) else None
    port = sut.get("mllp_port") if isinstance(sut, dict) else None
    if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
        raise ContractError(f"{source}: key sut.mllp_port must be an int or null")
    return port


class _Reader:
    """Typed look-ups into the parsed JSON; a missing or mistyped key names its path."""

    def __init__(self, data: Any, source: str) -> None:
        self._data = data
        self._source = source

    def optional(self, kind: type[_T], *path: str) -> _T | None:
        node = self._data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                raise ContractError(f"{self._source}: key {'.'.join(path)} is missing")
            node = node[part]
        if node is None:
            return None
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            raise ContractError(
                f"{self._source}: key {'.'.join(path)} must be a {kind.__name__}, "
                f"not a {type(node).__name__}"
            )
        return node

    def get(self, kind: type[_T], *path: str) -> _T:
        found = self.optional(kind, *path)
        if found is None:
            raise ContractError(f"{self._source}: key {'.'.join(path)} must not be null")
        return found
