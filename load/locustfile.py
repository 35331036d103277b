"""The splitbrain load: personas of a telehealth day against the world and a sync engine.

    locust -f load/locustfile.py                      # [tool.locust] in pyproject.toml
    make load                                         # the same, reports in out/load/

Options of ours (``locust -f load/locustfile.py --help``, group "splitbrain"): ``--world``
(embedded, or a SUT contract JSON naming staging systems), ``--sut``, ``--store``, ``--out``,
``--thresholds``, ``--rate-scale``, ``--sync-timeout``, ``--observer-host``. The shape comes
from ``SPLITBRAIN_LOAD_SHAPE`` (steady | surge | ramp; see ``load.shapes``). docs/load.md.
"""

from __future__ import annotations

import os

from load.mllp import AdtFeed
from load.personas import Campaign, FrontDesk, Patient, Provider
from load.session import attach
from load.shapes import SHAPES

__all__ = ["AdtFeed", "Campaign", "FrontDesk", "Patient", "Provider"]

attach()

_shape = os.environ.get("SPLITBRAIN_LOAD_SHAPE", "").strip()
if _shape:
    if _shape not in SHAPES:
        raise SystemExit(f"SPLITBRAIN_LOAD_SHAPE={_shape!r}: use one of {', '.join(SHAPES)}")
    Shape = type("Shape", (SHAPES[_shape],), {"abstract": False})
