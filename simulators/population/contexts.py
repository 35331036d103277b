"""Clinical, CRM and portal context of a person, by lifecycle stage.

Who is where: every person is in the CRM (the program tracks leads there first). The portal
holds everyone from intake on, and a ``portal_adoption`` share of those in care or
discharged. The EHR holds everyone in care or discharged, and half of the qualified (a chart
registered before the first visit). Only the in-care and discharged have clinical context,
and it carries the person's canary.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from simulators.population import program
from simulators.population.config import PopulationConfig
from simulators.population.consent import PURPOSES, Consents
from simulators.population.model import Clinical, CrmContext, PortalContext
from simulators.population.sampling import weighted

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
_new_tuple = tuple.__new__  # a NamedTuple's own __new__ is Python code around this
_SYSTEMS = {
    (ehr, portal): ("ehr",) * ehr + ("crm",) + ("portal",) * portal
    for ehr in (False, True)
    for portal in (False, True)
}
_MARKETING_SMS = Consents.from_pairs([("HMARKT", "sms")]).bits
_MARKETING_EMAIL = Consents.from_pairs([("HMARKT", "email")]).bits
_REGIMENS, _LEAD_SOURCES, _CAMPAIGNS = program.REGIMENS, program.LEAD_SOURCES, program.CAMPAIGNS


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
        weights = self._stage_weights  # weighted(), inlined: one draw per person
        return self._stages[bisect(weights, self._rng.random() * weights[-1])]

    def systems(self, stage: str) -> tuple[str, ...]:
        rng = self._rng
        in_ehr = rng.random() < _WITH_EHR.get(stage, 0.0)
        if stage == "lead":
            in_portal = False
        elif stage in ("intake", "qualified"):
            in_portal = True
        else:
            in_portal = rng.random() < self._cfg.portal_adoption
        return _SYSTEMS[in_ehr, in_portal]

    def clinical(self, stage: str, canary: str) -> Clinical | None:
        if stage not in program.CLINICAL_STATUS:
            return None
        rng = self._rng
        rand = rng.random
        code, display, _ = weighted(rng, program.DIAGNOSES, self._dx_weights)
        drug, doses, frequency = _REGIMENS[int(rand() * len(_REGIMENS))]  # pick(), inlined
        bmi = 27.0 + (48.0 - 27.0) * rand()  # rng.uniform(27.0, 48.0), inlined
        statuses = program.CLINICAL_STATUS[stage]
        fields = (
            code,
            display,
            f"GLP-1 program intake: BMI {bmi:.1f}, {display}. [{canary}]",
            f"{drug} {doses[int(rand() * len(doses))]} mg {frequency} [{canary}]",
            statuses[int(rand() * len(statuses))],
        )
        return _new_tuple(Clinical, fields)  # Clinical(...) minus its Python-level __new__

    def portal(self, stage: str) -> PortalContext:
        rng = self._rng
        rand, consents = rng.random, self._consents
        fields = (
            consents[int(rand() * len(consents))],  # pick(), inlined
            weighted(rng, _CHANNELS, _CHANNEL_WEIGHTS),
            _CONTACT_TIMES[int(rand() * 3)],
            program.PORTAL_STATUSES[stage],
        )
        return _new_tuple(PortalContext, fields)

    def crm(self, stage: str, portal: PortalContext | None) -> CrmContext:
        rng = self._rng
        if portal is None:
            sms, email = rng.random() < 0.35, rng.random() < 0.45
        else:  # consents.allows("HMARKT", ...), inlined
            bits = portal.consents.bits
            sms, email = bool(bits & _MARKETING_SMS), bool(bits & _MARKETING_EMAIL)
        rand = rng.random
        fields = (
            _LEAD_SOURCES[int(rand() * len(_LEAD_SOURCES))],  # pick(), inlined
            _CAMPAIGNS[int(rand() * len(_CAMPAIGNS))],
            program.CRM_STAGE_NAMES[stage],
            sms,
            email,
        )
        return _new_tuple(CrmContext, fields)


def _draw_consents(rng: random.Random) -> Consents:
    bits, bit = 0, 1
    for purpose in PURPOSES:
        for rate in _GRANT_RATES[purpose]:
            bits |= bit if rng.random() < rate else 0
            bit <<= 1
    return Consents(bits)
