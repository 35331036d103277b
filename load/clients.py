"""The world's clients during a load run: each persona acts as a client named after its role.

The checker reads a history's ``process`` as the client name and gives a client named after a
matrix role that role, so the personas' writes are judged as the people they stand for. The
observer that follows the change feeds registers receivers, which needs the ``sync_engine``
role; it is not the SUT (its name matches none of the checker's SUT patterns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

ADMIN: Final = "admin"
ENGINE: Final = "engine"
OBSERVER: Final = "load-observer"
MLLP_APPLICATION: Final = "ADTLOAD"
"""MSH-3 of the ADT feed: the history's process is ``mllp:ADTLOAD`` (not a SUT pattern)."""

CLIENT_ROLES: Final[Mapping[str, str]] = {
    ADMIN: "admin",
    ENGINE: "sync_engine",
    OBSERVER: "sync_engine",
    "patient": "patient",
    "intake_ops": "intake_ops",
    "provider": "provider",
    "automation": "automation",
}
