"""The switches every record API shares (CRM, portal), from ``SimulatorSettings.options``.

Pass an ``ApiOptions`` (or a subclass such as the CRM's ``CrmOptions``) or the same as a plain
mapping (from YAML or JSON)::

    settings = SimulatorSettings(options={"portal": ApiOptions(
        rate_limits={"engine": RateLimit(capacity=5, per_second=1.0)},
        rate_limit_clock="simulated",
    )})
    options = options_from(settings, "portal", ApiOptions)

- ``rate_limits``: client-name glob -> token bucket (first matching glob wins; admin calls to
  ``/_admin`` are never limited). Buckets refill on the real clock or on the simulated clock.
- ``processing_delay``: seconds every request spends "in the database" (while its
  idempotency key is in flight); 0 by default.
- ``require_if_match``: refuse updates without ``If-Match`` (428) instead of allowing blind
  writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from simulators._shared.errors import ConfigurationError
from simulators._shared.runtime import SimulatorSettings

__all__ = ["ApiOptions", "RateLimit", "options_from"]


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
                f"settings.options[{name!r}] is invalid: {exc}; see "
                "simulators/_shared/api_options.py"
            ) from None
    raise ConfigurationError(
        f"settings.options[{name!r}] must be a {cls.__name__} or a mapping of its fields"
    )
