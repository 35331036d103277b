"""Channels a consent covers: how the person may be reached or their data sent.

>>> channel("sms") is Channel.SMS
True
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from splitbrain.engine.domain.consent.errors import UnknownChannel

__all__ = ["CHANNELS", "Channel", "channel"]


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    PORTAL = "portal"
    MAIL = "mail"


CHANNELS: Final = frozenset(c.value for c in Channel)


def channel(value: str, *, where: str = "channel") -> Channel:
    """The channel named ``value``; raises ``UnknownChannel`` (naming ``where``) otherwise."""
    if value not in CHANNELS:
        raise UnknownChannel(value, where)
    return Channel(value)
