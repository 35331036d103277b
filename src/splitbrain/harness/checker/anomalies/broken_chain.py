"""``broken_chain``: the SUT's audit log fails verification.

The feed is verified once (``splitbrain.engine.domain.audit.verify``: sequence, hash links,
hashes, and the signed checkpoints when given); the first bad sequence number is the witness,
in the audit file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from splitbrain.harness.checker.context import Context, Handler
from splitbrain.harness.checker.model import Anomaly, AnomalyCode, Witness

__all__ = ["BrokenChain"]


class BrokenChain:
    code: ClassVar[AnomalyCode] = AnomalyCode.BROKEN_CHAIN

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def handlers(self) -> Mapping[str, Handler]:
        return {}

    def finish(self) -> list[Anomaly]:
        feed = self._ctx.audit
        if feed is None or feed.verification.ok:
            return []
        result = feed.verification
        return [
            Anomaly(
                code=self.code,
                witnesses=(Witness(feed.label, result.first_bad_seq or 0, str(result.failure)),),
                person=None,
                field=None,
                system=None,
                explanation=(
                    f"The engine's audit log does not verify: {result.message}. Entries were "
                    "altered, removed or reordered after they were written, so the log can no "
                    "longer prove who decided what."
                ),
            )
        ]
