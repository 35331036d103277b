"""One detector per anomaly code (DESIGN §9), and which inputs each needs.

``build(ctx)`` returns the detectors that can judge with the inputs given and, for the others,
why they were not run: a verdict must never read "no duplicates" when it could not look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from splitbrain.harness.checker.anomalies.broken_chain import BrokenChain
from splitbrain.harness.checker.anomalies.divergence import Divergence
from splitbrain.harness.checker.anomalies.double_effect import DoubleEffect
from splitbrain.harness.checker.anomalies.duplicate_person import DuplicatePerson
from splitbrain.harness.checker.anomalies.lost_event import LostEvent
from splitbrain.harness.checker.anomalies.lost_update import LostUpdate
from splitbrain.harness.checker.anomalies.message_after_revocation import MessageAfterRevocation
from splitbrain.harness.checker.anomalies.missing_audit import MissingAudit
from splitbrain.harness.checker.anomalies.non_owner_write import NonOwnerWrite
from splitbrain.harness.checker.anomalies.phi_leak import PhiLeak
from splitbrain.harness.checker.anomalies.stale_overwrite import StaleOverwrite
from splitbrain.harness.checker.anomalies.wrong_merge import WrongMerge
from splitbrain.harness.checker.context import Context, Detector
from splitbrain.harness.checker.model import AnomalyCode

__all__ = ["DETECTORS", "build"]

_NEEDS_TRUTH = "needs the ground truth (--truth) to know whose record is whose"
_NEEDS_AUDIT = "needs the SUT's audit feed (--audit)"

DETECTORS: Mapping[AnomalyCode, tuple[Callable[[Context], Detector], str | None]] = {
    AnomalyCode.LOST_UPDATE: (LostUpdate, None),
    AnomalyCode.STALE_OVERWRITE: (StaleOverwrite, None),
    AnomalyCode.NON_OWNER_WRITE: (NonOwnerWrite, None),
    AnomalyCode.DUPLICATE_PERSON: (DuplicatePerson, "truth"),
    AnomalyCode.WRONG_MERGE: (WrongMerge, "truth"),
    AnomalyCode.DIVERGENCE: (Divergence, "truth"),
    AnomalyCode.MESSAGE_AFTER_REVOCATION: (MessageAfterRevocation, "truth"),
    AnomalyCode.PHI_LEAK: (PhiLeak, "truth"),
    AnomalyCode.DOUBLE_EFFECT: (DoubleEffect, None),
    AnomalyCode.LOST_EVENT: (LostEvent, None),
    AnomalyCode.MISSING_AUDIT: (MissingAudit, "audit"),
    AnomalyCode.BROKEN_CHAIN: (BrokenChain, "audit"),
}
"""Each code's detector and the optional input it cannot judge without."""


def build(ctx: Context) -> tuple[list[Detector], dict[AnomalyCode, str]]:
    """The detectors ``ctx`` allows, and ``{code: why it was not judged}`` for the rest."""
    detectors: list[Detector] = []
    skipped: dict[AnomalyCode, str] = {}
    for code, (factory, needs) in DETECTORS.items():
        if needs == "truth" and ctx.truth is None:
            skipped[code] = _NEEDS_TRUTH
        elif needs == "audit" and ctx.audit is None:
            skipped[code] = _NEEDS_AUDIT
        else:
            detectors.append(factory(ctx))
    return detectors, skipped
