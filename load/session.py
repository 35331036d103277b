"""The run's life cycle in one Locust process, as Locust event listeners (``attach``).

| event | master / local | worker / local |
|---|---|---|
| ``init`` | start the world process (``--world embedded``) and pass its contract on | |
| ``test_start`` | sample the generator's CPU | read the contract, start the observer |
| ``test_stopping`` | ask the workers to drain, wait for them | stop new changes, drain marks |
| ``test_stop`` | finish the world: quiesce, histories, checker | stop the observer |
| ``quitting`` | write the summary, set the exit code | |

Custom options (``--world``, ``--out``...) are given to the master and reach the workers with
each spawn message, so the contract path the master learns reaches them too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from load import context, personas, report
from load.clients import OBSERVER
from load.embedded import EmbeddedWorld
from load.errors import RunnerError
from load.marks import SyncTracker
from load.observer import Observer
from load.pacing import PACING
from load.people import People
from load.thresholds import Thresholds
from load.timeline import Timeline
from load.usage import ProcessUsage
from splitbrain.harness.sut.contract import Contract

__all__ = ["SESSION", "LoadSession", "add_arguments", "attach"]

log = logging.getLogger("splitbrain.load")
logging.getLogger("httpx").setLevel(logging.WARNING)
THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"
DRAIN = "splitbrain_drain"
DRAINED = "splitbrain_drained"


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("splitbrain")
    group.add_argument(
        "--world",
        default="embedded",
        help="embedded (start the world here) or the path of a SUT contract JSON",
    )
    group.add_argument(
        "--sut",
        default="reference",
        help="the embedded world's SUT: reference | serve | http:URL | command:CMD",
    )
    group.add_argument(
        "--store",
        default="memory",
        help="the reference engine's store: memory | sqlite:PATH | postgresql://...",
    )
    group.add_argument(
        "--webhook-window",
        type=int,
        default=0,
        help="the embedded simulators' webhook window per endpoint (0: their default)",
    )
    group.add_argument("--out", default="out/load", help="where our summary and the world go")
    group.add_argument("--thresholds", default=str(THRESHOLDS), help="the SLO file")
    group.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="multiplies every user's fixed rate (0.5 tasks/s)",
    )
    group.add_argument(
        "--sync-timeout",
        type=float,
        default=10.0,
        help="seconds a change may take to show before it counts as lost",
    )
    group.add_argument(
        "--observer-host",
        default="127.0.0.1",
        help="the address the systems reach this process's observer at",
    )
    group.add_argument("--load-seed", type=int, default=7)  # fmt: skip


@dataclass
class LoadSession:
    world: EmbeddedWorld | None = None
    observer: Observer | None = None
    verdict: dict[str, Any] | None = None
    cpu: list[float] = field(default_factory=list)
    usage: list[dict[str, float]] = field(default_factory=list)
    """The embedded world's processes' CPU per second, by role (``load.usage``)."""
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: dict[str, Any] | None = None
    embedded: bool = False
    requests: int = 0
    """Requests of every type this process fired (each worker reports its own)."""
    timeline: Timeline = field(default_factory=Timeline)
    _sampler: Any = None
    _sweeper: Any = None

    # -- init ---------------------------------------------------------------------------------
    def on_init(self, environment: Environment, **_: Any) -> None:
        runner = environment.runner
        options = _options(environment)
        hooks: Any = environment.events
        if not isinstance(runner, MasterRunner):
            hooks.request.add_listener(self._counted)
        if isinstance(runner, WorkerRunner):
            runner.register_message(
                DRAIN, lambda msg, **_kw: gevent.spawn(self._drain_worker, environment)
            )
            return
        if isinstance(runner, MasterRunner):
            runner.register_message(DRAINED, self._drained)
        self.embedded = options.world == "embedded"
        if self.embedded:
            out = Path(options.out).resolve()
            self.world = EmbeddedWorld.start(out / "world", store=options.store,
                                             sut=options.sut, seed=options.load_seed,
                                             window=options.webhook_window)  # fmt: skip
            options.world = str(self.world.contract_path)
            log.info("world serving; contract %s", self.world.contract_path)

    # -- start ----------------------------------------------------------------------------------
    def on_test_start(self, environment: Environment, **_: Any) -> None:
        runner = environment.runner
        options = _options(environment)
        PACING.rate_scale = float(options.rate_scale)
        PACING.draining = False
        self.requests = 0
        self.timeline = Timeline()
        if not isinstance(runner, WorkerRunner):
            self.cpu.clear()
            self.usage.clear()
            self._sampler = gevent.spawn(self._sample_cpu, environment)
        if isinstance(runner, MasterRunner):
            return
        index = runner.worker_index if isinstance(runner, WorkerRunner) else 0
        contract = Contract.from_json(options.world)
        for persona in personas.PERSONAS:
            persona.host = contract.base(persona.system)

        hooks: Any = environment.events

        def fire(kind: str, name: str, millis: float, error: str | None) -> None:
            hooks.request.fire(
                request_type=kind, name=name, response_time=millis, response_length=0,
                exception=AssertionError(error) if error else None, context={},
            )  # fmt: skip

        tracker = SyncTracker(report=fire, timeout=float(options.sync_timeout))
        salt = f"w{index}x{os.getpid() % 10_000}"
        people = People(seed=int(options.load_seed) + index, salt=salt, area=index)
        context.install(context.LoadContext(contract, tracker, people))
        key = contract.keys[OBSERVER].key if OBSERVER in contract.keys else contract.key
        self.observer = Observer(tracker, contract, key, name=f"load-observer-{salt}",
                                 host=options.observer_host)  # fmt: skip
        self.observer.start()
        self._sweeper = gevent.spawn(self._sweep, tracker)

    # -- stopping -------------------------------------------------------------------------------
    def on_test_stopping(self, environment: Environment, **_: Any) -> None:
        runner = environment.runner
        options = _options(environment)
        if isinstance(runner, MasterRunner):
            self.workers.clear()
            runner.send_message(DRAIN, {})
            deadline = time.monotonic() + float(options.sync_timeout) + 10
            expected = runner.worker_count
            while len(self.workers) < expected and time.monotonic() < deadline:
                gevent.sleep(0.05)
            return
        self._drain(float(options.sync_timeout))

    def _drain(self, timeout: float) -> None:
        """No new request from here; wait for the answers in flight (their changes are
        expected too), then for the sync marks."""
        PACING.draining = True
        with contextlib.suppress(RunnerError):
            ctx = context.current()
            ctx.draining = True
            deadline = time.monotonic() + timeout
            while ctx.in_flight and time.monotonic() < deadline:
                gevent.sleep(0.02)
            ctx.tracker.drain(max(0.0, deadline - time.monotonic()))

    def _drain_worker(self, environment: Environment) -> None:
        runner = environment.runner
        assert isinstance(runner, WorkerRunner)
        self._drain(float(_options(environment).sync_timeout))
        runner._send_stats()  # the drained marks' samples reach the master before our answer
        runner.send_message(DRAINED, self._local_report())

    def _drained(self, msg: Any, **_: Any) -> None:
        self.workers[str(msg.node_id)] = dict(msg.data or {})

    def on_test_stop(self, environment: Environment, **_: Any) -> None:
        runner = environment.runner
        if not isinstance(runner, MasterRunner):
            if self._sweeper is not None:
                self._sweeper.kill(block=False)
            if self.observer is not None:
                self.observer.stop()
        if self._sampler is not None:
            self._sampler.kill(block=False)
        if self.world is not None and not isinstance(runner, WorkerRunner):
            try:
                self.verdict = self.world.finish()
            finally:
                self.world.kill()
                self.world = None

    # -- the end --------------------------------------------------------------------------------
    def on_quitting(self, environment: Environment, **_: Any) -> None:
        if isinstance(environment.runner, WorkerRunner):
            return
        self.summary = self.build_summary(environment)
        out = Path(_options(environment).out)
        paths = report.write(self.summary, out)
        if not isinstance(environment.runner, MasterRunner):
            self.timeline.write(out / "timeline.json", cpu=self.cpu, usage=self.usage)
        log.info("load summary: %s (%s)", paths[1], "PASS" if self.summary["passed"] else "FAIL")
        if not self.summary["passed"]:
            environment.process_exit_code = 1

    def build_summary(self, environment: Environment) -> dict[str, Any]:
        options = _options(environment)
        samples = self.cpu or [0.0]
        cpu = {"mean": sum(samples) / len(samples), "max": max(samples),
               "samples": len(self.cpu), "limit": 0.0}  # fmt: skip
        slo = Thresholds.load(options.thresholds)
        cpu["limit"] = slo.max_generator_cpu
        processes = (dict(self.workers) if self.workers
                     else {"local": self._local_report()})  # fmt: skip
        summary = report.summarize(environment.stats, verdict=self.verdict, cpu=cpu,
                                   extra={"processes": processes})  # fmt: skip
        valid = cpu["max"] <= slo.max_generator_cpu
        breaches = slo.breaches(summary)
        if self.verdict is None and self.embedded:
            breaches.append("the world process ended without a verdict (read world/runner.log)")
        elif self.verdict is None:
            summary["note"] = ("no embedded world: export the systems' histories and judge them "
                               "with `splitbrain check`")  # fmt: skip
        elif not self.verdict.get("ok"):
            breaches.append(f"the checker found {len(self.verdict.get('anomalies') or [])} "
                            "anomalies (or the run never quiesced)")  # fmt: skip
        summary.update(valid=valid, breaches=breaches, passed=valid and not breaches)
        return summary

    def _local_report(self) -> dict[str, Any]:
        return {**context.snapshot(), "pacing": PACING.to_json(), "requests": self.requests,
                "observer_events": self.observer.events if self.observer else 0}  # fmt: skip

    def _counted(self, request_type: str, name: str, response_time: float,
                 exception: BaseException | None = None, **_: Any) -> None:  # fmt: skip
        self.requests += 1
        self.timeline.add(request_type, name, response_time, exception is None)

    # -- background -----------------------------------------------------------------------------
    def _sample_cpu(self, environment: Environment) -> None:
        runner = environment.runner
        world = ProcessUsage(self.world.process.pid) if self.world is not None else None
        while True:
            gevent.sleep(1.0)
            if runner is None:
                continue
            usage = [float(runner.current_cpu_usage)]
            if isinstance(runner, MasterRunner):
                usage += [float(w.cpu_usage) for w in runner.clients.values()]
            self.cpu.append(max(usage))
            if world is not None:
                self.usage.append(world.sample())

    @staticmethod
    def _sweep(tracker: SyncTracker) -> None:
        while True:
            gevent.sleep(0.25)
            tracker.sweep()


def _options(environment: Environment) -> Namespace:
    options: Namespace | None = environment.parsed_options
    if options is None:
        raise RuntimeError("the load session needs Locust's parsed options (run via locust)")
    return options


SESSION = LoadSession()


def attach(session: LoadSession = SESSION) -> None:
    hooks: Any = events  # Locust's event hooks are untyped
    hooks.init_command_line_parser.add_listener(add_arguments)
    hooks.init.add_listener(session.on_init)
    hooks.test_start.add_listener(session.on_test_start)
    hooks.test_stopping.add_listener(session.on_test_stopping)
    hooks.test_stop.add_listener(session.on_test_stop)
    hooks.quitting.add_listener(session.on_quitting)
