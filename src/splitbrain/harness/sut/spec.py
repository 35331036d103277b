"""``parse_sut``: the ``--sut`` option's adapter spec to a ``Sut``."""

from __future__ import annotations

from splitbrain.harness.sut.adapter import Sut
from splitbrain.harness.sut.errors import SutSpecError
from splitbrain.harness.sut.process import CommandSut, ServeSut
from splitbrain.harness.sut.reference import ReferenceSut
from splitbrain.harness.sut.remote import HttpSut

__all__ = ["SPECS", "parse_sut"]

SPECS = ("reference", "serve", "http:URL", "command:CMD")


def parse_sut(spec: str, *, store: str | None = None) -> Sut:
    """``reference`` | ``serve`` | ``http:URL`` | ``command:CMD``. ``store`` is the engine
    store of ``reference`` (default memory) and ``serve`` (default SQLite in the workdir)."""
    text = spec.strip()
    if text == "reference":
        return ReferenceSut(store=store or "memory")
    if text == "serve":
        return ServeSut(store=store)
    if text.startswith("http:") and text[5:].startswith(("http://", "https://")):
        return HttpSut(text[5:])
    if text.startswith("command:"):
        return CommandSut(text[len("command:") :])
    raise SutSpecError(
        f"--sut {spec!r} is not an adapter; the adapters are {', '.join(SPECS)} (e.g. "
        "--sut reference, --sut http:http://127.0.0.1:8010, --sut 'command:python -m my_engine')"
    )
