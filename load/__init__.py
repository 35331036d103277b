"""Load: Locust drives the world like a telehealth day and measures how fast changes travel.

Two processes (docs/load.md): the world and the system under test run in ``load.runner``
(asyncio, threads), Locust runs the personas in its own gevent-patched process and observes the
simulators' change feeds. After the run the checker judges the recorded histories; any anomaly
fails the run, however fast it was.

    make load                     # headless default run, reports in out/load/
    python -m load.smoke          # a few seconds at a low rate; exit 1 on any miss
"""
