"""``double_effect``: one request, retried under one idempotency key, took effect twice.

A retry carries the key of the first try (``Idempotency-Key``, a webhook event id, an HL7
message control id), so the receiver can answer it with the first result. Two ``ok``
completions of the same request under the same key (same client, same operation, same target,
same fields) mean it was applied twice: two messages went out, two records were created. An
``info`` try counts as applied only when the history proves it committed (``crash_after_commit``:
the server ran the request and then lost the reply; ``model.took_effect``); any other ``info``
try may or may not have been applied and never counts (Jepsen). Several different operations
under one key (a transaction Bundle) are several requests, not a double effect.

Per (system, client, key) the detector keeps the first application; only when a key repeats
does it compare requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import EFFECTS, Context, Handler
from splitbrain.harness.checker.model import OK, Anomaly, AnomalyCode, Operation, took_effect
from splitbrain.harness.checker.state import RecordState

__all__ = ["DoubleEffect"]

_Request = tuple[str, str, str | None, frozenset[tuple[str, object]]]


class DoubleEffect:
    code: ClassVar[AnomalyCode] = AnomalyCode.DOUBLE_EFFECT

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._first: dict[tuple[str, str, str], Operation | list[Operation]] = {}
        self._found: list[Anomaly] = []

    def handlers(self) -> Mapping[str, Handler]:
        return dict.fromkeys(EFFECTS, self._on_effect)

    def finish(self) -> list[Anomaly]:
        return self._found

    def _on_effect(self, op: Operation, rec: RecordState | None) -> None:
        if op.idempotency_key is None or (op.type != OK and not took_effect(op)):
            return
        key = (op.system, op.process, op.idempotency_key)
        earlier = self._first.get(key)
        if earlier is None:
            self._first[key] = op  # the common case: a key seen once
            return
        if not isinstance(earlier, list):
            earlier = self._first[key] = [earlier]
        request = self._request(op)
        for first in earlier:
            if self._request(first) == request:
                self._report(first, op)
                return
        earlier.append(op)

    def _request(self, op: Operation) -> _Request:
        binding = self._ctx.bindings.of(op.system)
        stamped = binding.server_fields if binding is not None else frozenset()
        target = op.key.partition("/")[0] if op.f == "create" else op.key
        fields = frozenset(
            (name, _hashable(v)) for name, v in op.written().items() if name not in stamped
        )
        return (op.f, target, op.field, fields)

    def _report(self, first: Operation, again: Operation) -> None:
        words = self._ctx.wording
        rec = self._ctx.state.record(again.system, again.key)
        person = rec.label() if rec is not None else again.key
        effect = {
            "send_message": "the same message went out twice",
            "create": f"two records were created ({first.key} and {again.key})",
        }.get(again.f, "the same change was applied twice")
        self._found.append(
            Anomaly(
                code=self.code,
                witnesses=(
                    first.witness(_applied("first application", first)),
                    again.witness(_applied("applied again", again)),
                ),
                person=person,
                field=again.field,
                system=again.system,
                explanation=(
                    f"{again.process} sent one {again.f} request more than once under one "
                    f"idempotency key ({again.idempotency_key}, attempts {first.attempt} and "
                    f"{again.attempt}), and {words.system(again.system)} applied it both times: "
                    f"{effect}. A retry must carry the key of the first try, and a key must "
                    "take effect once."
                ),
            )
        )


def _applied(what: str, op: Operation) -> str:
    return what if op.type == "ok" else f"{what}, committed ({op.outcome}) though unacknowledged"


def _hashable(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value
