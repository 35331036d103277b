"""Checker benchmark: judge 1,000,000 operations, beside just parsing the same JSONL.

Run: ``.venv/bin/python bench/bench_checker.py [--operations N] [--persons P] [--repeat R]``

An *operation* is an invoke and its completion: N operations are 2N JSONL records, spread over
three files (ehr, crm, portal) exactly as the simulators write them. The mix imitates a busy
world: the engine reading and writing CRM contacts with If-Match and idempotency keys, providers
writing EHR patients (full FHIR resources) and the engine copying birth dates to the CRM,
webhook deliveries, campaign sends, patients granting and revoking consent and the engine
turning CRM flags off, portal preference writes. Every written value is unique.

Figures, each beside the baseline measured in the same run (the files are in the page cache
for both):

- baseline: read every line of the three files and ``orjson.loads`` it; nothing else;
- check: ``check()`` over the same files (reading, validation, pairing, the merge by
  ``mono_ns``, every detector, the end-of-run judgments, revocation timing); ground truth for
  every person; no audit feed. Twice: reading in this process (``workers=0``), and reading in
  a forked worker process while this one judges (``workers=1``, the default for large files).

With ``--baseline DIR`` (another checker tree, e.g. HEAD's:
``git archive HEAD src/splitbrain/harness/checker | tar -x -C /tmp/ckbase`` then
``--baseline /tmp/ckbase``), the baseline is that checker instead: each measurement runs in a
fresh child process (``--judge``), this tree's and the baseline's alternately on the same files,
and the ratio is this tree's to the baseline's.

Each measurement runs ``--repeat`` times; the best wall time and the spread are printed. CPU
seconds are this process plus its worker (``RUSAGE_CHILDREN``); on a shared machine the CPU
figure is the steadier one. The target is ``check`` under 5 s wall for 1,000,000 operations.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from splitbrain.harness.checker import Actors, HistorySource, Truth, check, header
from splitbrain.harness.checker.enums import FALSE_ID, TRUE_ID
from splitbrain.harness.paths import default_matrix
from splitbrain.matrix import load_matrix

SYSTEMS = ("ehr", "crm", "portal")
PURPOSES = ("HMARKT:sms", "HMARKT:email", "TREAT:sms")
TIME = "2026-01-05T09:00:00+00:00"
TARGET_SECONDS = 5.0


class _Writer:
    """Appends invoke/completion pairs to one file per system, sharing one mono clock."""

    def __init__(self, where: Path) -> None:
        self.files = {s: (where / f"{s}.jsonl").open("wb") for s in SYSTEMS}
        for system, handle in self.files.items():
            handle.write(orjson.dumps(header(system)) + b"\n")
        self.index = dict.fromkeys(SYSTEMS, 0)
        self.mono = 1_000_000
        self.ops = 0

    def op(self, system: str, process: str, f: str, key: str, **done: Any) -> None:
        inv = done.pop("invoke", {})
        i = self.index[system]
        self.index[system] = i + 2
        base = {
            "time": TIME, "system": system, "process": process, "f": f, "key": key,
            "field": inv.get("field"), "base_version": inv.get("base_version"),
            "idempotency_key": inv.get("idempotency_key"), "attempt": inv.get("attempt"),
        }  # fmt: skip
        invoke = {
            **base, "index": i, "op": None, "mono_ns": self.mono, "type": "invoke",
            "new_version": None, "value": None, "fields": inv.get("fields"), "outcome": None,
        }  # fmt: skip
        completion = {
            **base, "index": i + 1, "op": i, "mono_ns": self.mono + 1,
            "type": done.get("type", "ok"), "key": done.get("done_key", key),
            "new_version": done.get("new_version"), "value": None, "fields": done.get("fields"),
            "outcome": done.get("outcome", "ok"),
        }  # fmt: skip
        self.mono += 2
        handle = self.files[system]
        handle.write(orjson.dumps(invoke) + b"\n" + orjson.dumps(completion) + b"\n")
        self.ops += 1

    def close(self) -> list[Path]:
        for handle in self.files.values():
            handle.close()
        return [Path(h.name) for h in self.files.values()]


class _World:
    """The generator's model: versions, values and consent of every person's three records."""

    def __init__(self, persons: int, seed: int, writer: _Writer) -> None:
        self.rng = random.Random(seed)
        self.w = writer
        self.persons = persons
        self.version = {s: [1] * persons for s in SYSTEMS}
        self.values = 0
        self.keys = 0
        self.revoked: set[tuple[int, str]] = set()

    def value(self) -> str:
        self.values += 1
        return f"v:{self.values:020x}"

    def key(self) -> str:
        self.keys += 1
        return f"k-{self.keys:08d}"

    def seed_records(self) -> None:
        for p in range(self.persons):
            for system, kind in (("ehr", "Patient"), ("crm", "Contact"), ("portal", "Account")):
                fields = {"birthDate" if system == "ehr" else "birth_date": self.value()}
                key = f"{kind}/{system}-{p}"
                inv = {"fields": fields}
                self.w.op(
                    system, "admin", "create", kind, done_key=key, new_version="1", invoke=inv
                )

    def step(self) -> None:
        p = self.rng.randrange(self.persons)
        roll = self.rng.random()
        if roll < 0.35:
            self._crm_write(p)
        elif roll < 0.50:
            self._read("crm", "Contact", p)
        elif roll < 0.60:
            self._ehr_change(p)
        elif roll < 0.70:
            self._notify(p)
        elif roll < 0.78:
            self._send(p)
        elif roll < 0.83:
            self._consent(p)
        elif roll < 0.93:
            self._portal_write(p)
        else:
            self._read("ehr", "Patient", p)

    def _bump(self, system: str, p: int) -> tuple[str, str]:
        base = self.version[system][p]
        self.version[system][p] = base + 1
        return str(base), str(base + 1)

    def _crm_write(self, p: int, fields: dict[str, str] | None = None) -> None:
        base, new = self._bump("crm", p)
        fields = fields or {"phone": self.value(), "email": self.value()}
        inv = {"base_version": base, "idempotency_key": self.key(), "attempt": 1, "fields": fields}
        self.w.op("crm", "engine", "write", f"Contact/crm-{p}", new_version=new, invoke=inv)

    def _read(self, system: str, kind: str, p: int) -> None:
        version = str(self.version[system][p])
        self.w.op(system, "engine", "read", f"{kind}/{system}-{p}", new_version=version)

    def _ehr_change(self, p: int) -> None:
        base, new = self._bump("ehr", p)
        dob = self.value()
        resource = {
            "resourceType": "v:resource-type", "id": f"v:id-{p}", "meta": self.value(),
            "name": self.value(), "telecom": self.value(), "birthDate": dob,
        }  # fmt: skip
        self.w.op(
            "ehr", "provider", "write", f"Patient/ehr-{p}", new_version=new, fields=resource,
            invoke={"base_version": base},
        )  # fmt: skip
        self._crm_write(p, {"birth_date": dob})

    def _notify(self, p: int) -> None:
        event = self.key()
        inv = {"idempotency_key": event, "attempt": 1}
        self.w.op("crm", "engine", "notify", f"Contact/crm-{p}", outcome="ok", invoke=inv)

    def _send(self, p: int) -> None:
        pc = PURPOSES[self.rng.randrange(len(PURPOSES))]
        if (p, pc) in self.revoked:
            done = {"type": "fail", "outcome": "consent_denied"}
        else:
            done = {"outcome": "sent"}
        self.w.op(
            "crm", "crm-automation", "send_message", f"Contact/crm-{p}", invoke={"field": pc},
            **done,
        )  # fmt: skip

    def _consent(self, p: int) -> None:
        pc = PURPOSES[self.rng.randrange(len(PURPOSES))]
        f = "consent.revoke" if self.rng.random() < 0.5 else "consent.grant"
        self.w.op("portal", "patient", f, f"Account/portal-{p}", invoke={"field": pc})
        purpose, channel = pc.split(":")
        if f == "consent.revoke":
            self.revoked.add((p, pc))
        else:
            self.revoked.discard((p, pc))
        flag = FALSE_ID if f == "consent.revoke" else TRUE_ID
        self._crm_write(p, {f"consents.{purpose}.{channel}": flag})

    def _portal_write(self, p: int) -> None:
        base, new = self._bump("portal", p)
        fields = {"phone": self.value(), "preferred_name": self.value()}
        inv = {"base_version": base, "fields": fields}
        self.w.op("portal", "patient", "write", f"Account/portal-{p}", new_version=new, invoke=inv)


def _truth(persons: int, kind: type[Truth] = Truth) -> Truth:
    return kind.from_objects(
        {
            "gt_id": f"gt_{p:07d}",
            "stage": "in_care",
            "records": [
                {"system": s, "record_id": f"{s}-{p}", "duplicate": False, "divergences": []}
                for s in SYSTEMS
            ],
        }
        for p in range(persons)
    )


def generate(where: Path, ops: int, persons: int, seed: int) -> list[Path]:
    writer = _Writer(where)
    world = _World(persons, seed, writer)
    world.seed_records()
    while writer.ops < ops:
        world.step()
    return writer.close()


def _lines(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as handle:
            yield from handle


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _Run(NamedTuple):
    wall: float
    cpu: float
    """This process and its (joined) worker processes."""
    worker_cpu: float


def _timed(label: str, run: Any) -> tuple[_Run, Any]:
    wall, cpu, kids = time.perf_counter(), time.process_time(), _children_cpu()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kids = _children_cpu() - kids
    split = f" (this process {cpu:.2f}, worker {kids:.2f})" if kids else ""
    print(f"  {label:<42} {wall:7.2f} s wall {cpu + kids:7.2f} s cpu{split}")
    return _Run(wall, cpu + kids, kids), result


def _best(label: str, runs: list[_Run]) -> _Run:
    best = min(runs, key=lambda r: r.wall)
    spread = max(r.wall for r in runs) - best.wall
    print(
        f"  {label:<42} best {best.wall:6.2f} s wall (spread {spread:.2f} s over {len(runs)}), "
        f"{min(r.cpu for r in runs):6.2f} s cpu"
    )
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", "--ops", dest="operations", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement")
    parser.add_argument("--baseline", type=Path, help="a checker tree to compare with (above)")
    parser.add_argument("--judge", type=Path, help=argparse.SUPPRESS)  # child: judge these files
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--checker-from", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.judge is not None:
        return _judge_child(args)
    if args.baseline is not None:
        return _compare(args)
    ops = args.operations
    matrix = load_matrix(default_matrix())
    modes = {"check, one process (--workers 0)": 0, "check, reader in a worker (--workers 1)": 1}
    runs: dict[str, list[_Run]] = {label: [] for label in ("baseline", *modes)}
    found = 0
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = generate(Path(tmp), ops, args.persons, args.seed)
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"generated {ops:,} operations ({2 * ops:,} records, {size:.0f} MB, "
            f"{args.persons:,} persons) in {time.perf_counter() - started:.1f} s"
        )
        truth = _truth(args.persons)
        sources = [HistorySource.from_path(p) for p in paths]
        _timed("warm-up read (page cache)", lambda: sum(1 for _ in _lines(paths)))
        for _ in range(args.repeat):
            run, _ = _timed(
                "baseline: read + orjson.loads each line",
                lambda: sum(1 for line in _lines(paths) if orjson.loads(line)),
            )
            runs["baseline"].append(run)
            for label, workers in modes.items():
                run, verdict = _timed(
                    label,
                    lambda w=workers: check(
                        sources, matrix, truth=truth, actors=Actors(), workers=w
                    ),
                )
                runs[label].append(run)
                found += len(verdict.anomalies)
    print(
        f"  verdict: {len(verdict.anomalies)} anomalies, {verdict.records:,} records, "
        f"{verdict.operations:,} operations, {verdict.revocation.revokes:,} revokes timed"
    )
    base = _best("baseline", runs["baseline"])
    best = min((_best(label, runs[label]) for label in modes), key=lambda r: r.wall)
    print(
        f"  ratio check / baseline: {best.wall / base.wall:.2f} wall, {best.cpu / base.cpu:.2f} cpu"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak resident memory: {peak:,.0f} MB this process, {worker:,.0f} MB worker")
    print(
        f"  per operation: {best.cpu / ops * 1e6:.2f} us cpu (baseline {base.cpu / ops * 1e6:.2f})"
    )
    verdict_line = "PASS" if best.wall <= TARGET_SECONDS else "OVER"
    print(f"  target: {ops:,} operations in <= {TARGET_SECONDS:.0f} s wall: {verdict_line}")
    if found:
        print(f"  unexpected anomalies: {verdict.counts()}", file=sys.stderr)
        return 1
    return 0


_MODES = {"one process (--workers 0)": 0, "reader in a worker (--workers 1)": 1}


def _judge_child(args: argparse.Namespace) -> int:
    """A child process: judge the files in ``--judge`` once, print the figures as JSON."""
    if args.checker_from is not None:
        import splitbrain.harness

        splitbrain.harness.__path__.insert(0, str(args.checker_from / "src/splitbrain/harness"))
        for name in [n for n in sys.modules if n.startswith("splitbrain.harness.checker")]:
            del sys.modules[name]  # imported above from this tree: import the baseline's instead
    from splitbrain.harness.checker import checker as module

    paths = [args.judge / f"{s}.jsonl" for s in SYSTEMS]
    sources = [module.HistorySource.from_path(p) for p in paths]
    matrix, truth = load_matrix(default_matrix()), _truth(args.persons, module.Truth)
    wall, cpu, kids = time.perf_counter(), time.process_time(), _children_cpu()
    verdict = module.check(
        sources, matrix, truth=truth, actors=module.Actors(), workers=args.workers
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kids = _children_cpu() - kids
    figures = {"wall": wall, "cpu": cpu + kids, "worker": kids, "file": module.__file__,
               "anomalies": len(verdict.anomalies), "operations": verdict.operations}  # fmt: skip
    print(json.dumps(figures))
    return 0


def _child(files: Path, persons: int, workers: int, tree: Path | None) -> _Run:
    command = [sys.executable, __file__, "--judge", str(files), "--persons", str(persons),
               "--workers", str(workers)]  # fmt: skip
    if tree is not None:
        command += ["--checker-from", str(tree)]
    out = subprocess.run(command, check=True, capture_output=True, env=dict(os.environ)).stdout
    figures = json.loads(out.decode().strip().splitlines()[-1])
    if figures["anomalies"]:
        raise SystemExit(f"unexpected anomalies ({figures['file']}): {figures['anomalies']}")
    if tree is not None and not figures["file"].startswith(str(tree)):
        raise SystemExit(f"--baseline {tree}: the child judged with {figures['file']}")
    return _Run(figures["wall"], figures["cpu"], figures["worker"])


def _compare(args: argparse.Namespace) -> int:
    """This tree's checker against ``--baseline``'s, alternately, on the same files."""
    ops = args.operations
    results: dict[tuple[str, str], list[_Run]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), ops, args.persons, args.seed)
        print(f"generated {ops:,} operations, {args.persons:,} persons; each run a fresh process")
        for _ in range(args.repeat):
            for mode, workers in _MODES.items():
                for tree, where in (("baseline", args.baseline), ("this tree", None)):
                    run = _child(Path(tmp), args.persons, workers, where)
                    results.setdefault((mode, tree), []).append(run)
                    split = f" (worker {run.worker_cpu:.2f})" if run.worker_cpu else ""
                    print(f"  {tree:<10} {mode:<36} {run.wall:7.2f} s wall "
                          f"{run.cpu:7.2f} s cpu{split}")  # fmt: skip
    print(f"best of {args.repeat}; cpu = judging process + worker; main = judging process only:")
    for mode in _MODES:
        base = min(results[(mode, "baseline")], key=lambda r: r.cpu)
        new = min(results[(mode, "this tree")], key=lambda r: r.cpu)
        walls = [min(r.wall for r in results[(mode, t)]) for t in ("baseline", "this tree")]
        mains = [
            min(r.cpu - r.worker_cpu for r in results[(mode, t)]) for t in ("baseline", "this tree")
        ]
        print(
            f"  {mode:<36} baseline {walls[0]:6.2f} s wall {base.cpu:6.2f} s cpu {mains[0]:6.2f} "
            f"s main | this tree {walls[1]:6.2f} s wall {new.cpu:6.2f} s cpu {mains[1]:6.2f} s "
            f"main | ratio {new.cpu / base.cpu:.2f} cpu, {mains[1] / mains[0]:.2f} main, "
            f"{walls[1] / walls[0]:.2f} wall | {new.cpu / ops * 1e6:.1f} us/op cpu"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
