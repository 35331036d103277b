"""Nothing the test process imports for load tests may pull in Locust (and its gevent patch)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pure_load_modules_do_not_import_locust_or_gevent() -> None:
    probe = (
        "import sys; import load.marks, load.people, load.thresholds, load.report, "
        "load.pacing, load.paths, load.timeline; "
        "print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip

    assert done.stdout.strip() == "[]"
