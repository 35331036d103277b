"""``python -m simulators.ehr [--host H] [--port P] [--keys FILE] [--no-history]
[--no-validation] [--seed S]``: the EHR's FHIR server alone, in the foreground.

``--keys`` is a YAML file ``{client: {key, role}}``; without it, keys are generated and printed
(names and roles only, and the file they were written to). Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
import yaml

from simulators._shared.auth import KeyRing
from simulators._shared.clock import SystemClock
from simulators._shared.runtime import SimulatorSettings, default_keys
from simulators.ehr.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.ehr", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--keys", type=Path, help="YAML: {client: {key: K, role: R}}")
    parser.add_argument("--write-keys", type=Path, default=Path(".splitbrain/ehr-keys.yaml"))
    parser.add_argument("--no-history", action="store_true", help="do not record the history")
    parser.add_argument("--no-validation", action="store_true", help="skip R4B validation")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    keys = KeyRing.from_mapping(yaml.safe_load(args.keys.read_text())) if args.keys else None
    if keys is None:
        keys = default_keys()
        args.write_keys.parent.mkdir(parents=True, exist_ok=True)
        args.write_keys.write_text(yaml.safe_dump(keys.to_mapping()))
        print(f"keys written to {args.write_keys}")
    settings = SimulatorSettings(
        clock=SystemClock(),
        keys=keys,
        history=not args.no_history,
        seed=args.seed,
        options={"fhir_validation": not args.no_validation},
    )
    print(f"EHR FHIR base: http://{args.host}:{args.port}/fhir")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
