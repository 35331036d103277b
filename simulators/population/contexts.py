"""Clinical, CRM and portal context of a person, by lifecycle stage.

Who is where: every person is in the CRM (the program tracks leads there first). The portal
holds everyone from intake on, and a ``portal_adoption`` share of those in care or
discharged. The EHR holds everyone in care or discharged, and half of the qualified (a chart
registered before the first visit). Only the in-care and discharged have clinical context,
and it carries the person's canary.
"""

from __future__ import annotations

import random
from itertools import accumulate

from simulators.population import program
from simulators.population.config import PopulationConfig
from simulators.population.consent import PURPOSES, Consents
from simulators.population.model import Clinical, CrmContext, PortalContext
from simulators.population.sampling import pick, weighted

__all__ = ["ContextFactory"]

# Probability of a grant per purpose and channel (sms, email, phone, portal, mail).
_GRANT_RATES: dict[str, tuple[float, ...]] = {
    "TREAT": (0.95, 0.97, 0.97, 0.99, 0.8),
    "HPAYMT": (0.85, 0.9, 0.9, 0.95, 0.85),
    "HOPERAT": (0.85, 0.9, 0.9, 0.95, 0.8),
    "HMARKT": (0.35, 0.45, 0.2, 0.5, 0.15),
    "HRESCH": (0.15, 0.2, 0.1, 0.25, 0.1),
}
_CHANNELS = ("sms", "email", "phone", "portal", "mail")
_CHANNEL_WEIGHTS = (35, 70, 80, 95, 100)  # cumulative: sms 35%, email 35%, phone 10%, ...
_CONSENT_SAMPLES = 2048
_CONTACT_TIMES = ("morning", "afternoon", "evening")
_WITH_EHR = {"in_care": 1.0, "discharged": 1.0, "qualified": 0.5}


class ContextFactory:
    """Draws the systems a person is in and the context each system holds."""

    __slots__ = ("_cfg", "_consents", "_dx_weights", "_rng", "_stage_weights", "_stages")

    def __init__(self, config: PopulationConfig, rng: random.Random) -> None:
        self._cfg, self._rng = config, rng
        self._stages = tuple(s for s, _ in config.stage_mix)
        self._stage_weights = tuple(accumulate(w for _, w in config.stage_mix))
        self._dx_weights = tuple(accumulate(w for _, _, w in program.DIAGNOSES))
        # Drawing 25 grants per person is the costliest part of a person; persons draw from
        # a per-seed sample of consent sets instead, which keeps every rate.
        self._consents = tuple(_draw_consents(rng) for _ in range(_CONSENT_SAMPLES))

    def stage(self) -> str:
        return weighted(self._rng, self._stages, self._stage_weights)

    def systems(self, stage: str) -> tuple[str, ...]:
        rng = self._rng
        in_ehr = rng.random() < _WITH_EHR.get(stage, 0.0)
        if stage == "lead":
            in_portal = False
        elif stage in ("intake", "qualified"):
            in_portal = True
        else:
            in_portal = rng.random() < self._cfg.portal_adoption
        return ("ehr",) * in_ehr + ("crm",) + ("portal",) * in_portal

    def clinical(self, stage: str, canary: str) -> Clinical | None:
        if stage not in program.CLINICAL_STATUS:
            return None
        rng = self._rng
        code, display, _ = weighted(rng, program.DIAGNOSES, self._dx_weights)
        drug, doses, frequency = pick(rng, program.REGIMENS)
        bmi = rng.uniform(27.0, 48.0)
        return Clinical(
            diagnosis_code=code,
            diagnosis_display=display,
            diagnosis_note=f"GLP-1 program intake: BMI {bmi:.1f}, {display}. [{canary}]",
            medication_plan=f"{drug} {pick(rng, doses)} mg {frequency} [{canary}]",
            clinical_status=pick(rng, program.CLINICAL_STATUS[stage]),
        )

    def portal(self, stage: str) -> PortalContext:
        rng = self._rng
        return PortalContext(
            consents=pick(rng, self._consents),
            preferred_channel=weighted(rng, _CHANNELS, _CHANNEL_WEIGHTS),
            contact_time=pick(rng, _CONTACT_TIMES),
            visible_status=program.PORTAL_STATUSES[stage],
        )

    def crm(self, stage: str, portal: PortalContext | None) -> CrmContext:
        rng = self._rng
        if portal is None:
            sms, email = rng.random() < 0.35, rng.random() < 0.45
        else:
            sms = portal.consents.allows("HMARKT", "sms")
            email = portal.consents.allows("HMARKT", "email")
        return CrmContext(
            lead_source=pick(rng, program.LEAD_SOURCES),
            campaign=pick(rng, program.CAMPAIGNS),
            stage_name=program.CRM_STAGE_NAMES[stage],
            sms_opt_in=sms,
            email_opt_in=email,
        )


def _draw_consents(rng: random.Random) -> Consents:
    bits, bit = 0, 1
    for purpose in PURPOSES:
        for rate in _GRANT_RATES[purpose]:
            bits |= bit if rng.random() < rate else 0
            bit <<= 1
    return Consents(bits)
