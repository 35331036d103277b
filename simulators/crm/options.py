"""The CRM's own switches, carried in ``SimulatorSettings.options["crm"]``.

``CrmOptions`` is the shared ``ApiOptions`` (rate limits, processing delay, blind writes: see
``simulators._shared.api_options``) plus ``token_pattern``: what a contact's ``patient_ref``
must look like (a regular expression)::

    settings = SimulatorSettings(options={"crm": CrmOptions(
        rate_limits={"engine": RateLimit(capacity=5, per_second=1.0)},
        rate_limit_clock="simulated",
    )})
"""

from __future__ import annotations

import re

from pydantic import field_validator

from simulators._shared.api_options import ApiOptions, RateLimit, options_from
from simulators._shared.runtime import SimulatorSettings

__all__ = ["DEFAULT_TOKEN_PATTERN", "CrmOptions", "RateLimit", "crm_options"]

#: ``tok_`` then 4 to 128 token characters (letters, digits, ``_ - . :``).
DEFAULT_TOKEN_PATTERN = r"tok_[A-Za-z0-9][A-Za-z0-9_.:-]{3,127}"


class CrmOptions(ApiOptions):
    token_pattern: str = DEFAULT_TOKEN_PATTERN

    @field_validator("token_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"token_pattern is not a regular expression: {exc}") from None
        return value


def crm_options(settings: SimulatorSettings) -> CrmOptions:
    """The CRM options in ``settings.options["crm"]`` (defaults when absent)."""
    return options_from(settings, "crm", CrmOptions)
