"""The CRM's own switches, carried in ``SimulatorSettings.options["crm"]``.

Pass a ``CrmOptions`` or the same as a plain mapping (from YAML or JSON)::

    settings = SimulatorSettings(options={"crm": CrmOptions(
        rate_limits={"engine": RateLimit(capacity=5, per_second=1.0)},
        rate_limit_clock="simulated",
    )})

- ``rate_limits``: client-name glob -> token bucket (first matching glob wins; admin calls to
  ``/_admin`` are never limited). Buckets refill on the real clock or on the simulated clock.
- ``processing_delay``: seconds every CRM request spends "in the database" (while its
  idempotency key is in flight); 0 by default.
- ``require_if_match``: refuse updates without ``If-Match`` (428) instead of allowing blind
  writes.
- ``token_pattern``: what a contact's ``patient_ref`` must look like (a regular expression).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulators._shared import ConfigurationError, SimulatorSettings

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "ApiOptions",
    "CrmOptions",
    "RateLimit",
    "crm_options",
    "options_from",
]

#: ``tok_`` then 4 to 128 token characters (letters, digits, ``_ - . :``).
DEFAULT_TOKEN_PATTERN = r"tok_[A-Za-z0-9][A-Za-z0-9_.:-]{3,127}"


class RateLimit(BaseModel):
    """A token bucket: ``capacity`` requests at once, refilled at ``per_second``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    capacity: int = Field(ge=1)
    per_second: float = Field(gt=0)


class ApiOptions(BaseModel):
    """What the CRM and the portal share: rate limits, processing time, blind writes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_limits: dict[str, RateLimit] = Field(default_factory=dict)
    rate_limit_clock: Literal["real", "simulated"] = "real"
    processing_delay: float = Field(default=0.0, ge=0)
    require_if_match: bool = False


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


_T = TypeVar("_T", bound=ApiOptions)


def options_from(settings: SimulatorSettings, name: str, cls: type[_T]) -> _T:
    """The options in ``settings.options[name]`` as ``cls`` (defaults when absent)."""
    raw: Any = settings.options.get(name)
    if raw is None:
        return cls()
    if isinstance(raw, cls):
        return raw
    if isinstance(raw, Mapping):
        try:
            return cls.model_validate(dict(raw))
        except ValueError as exc:
            raise ConfigurationError(
                f"settings.options[{name!r}] is invalid: {exc}; see simulators/crm/options.py"
            ) from None
    raise ConfigurationError(
        f"settings.options[{name!r}] must be a {cls.__name__} or a mapping of its fields"
    )


def crm_options(settings: SimulatorSettings) -> CrmOptions:
    """The CRM options in ``settings.options["crm"]`` (defaults when absent)."""
    return options_from(settings, "crm", CrmOptions)
