"""MLLP throughput: ADT^A04/A08 messages per second with their ACK, on one and on eight connections.

The EHR listener (``simulators.ehr.hl7``: decode, check, map PID to FHIR, upsert into the real
``FhirStore`` with R4 validation, record history, ACK) runs in a child process; the same client
then drives a bare asyncio MLLP echo server (frames read and sent straight back) measured in
the same run, so the ratio shows what the HL7 work costs over the transport alone. Each
connection keeps one message in flight (original-mode acknowledgement), as real senders do.

    .venv/bin/python bench/bench_mllp.py                 # 3,000 messages per configuration
    .venv/bin/python bench/bench_mllp.py --messages 500 --no-validation
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from multiprocessing.queues import Queue

from simulators._shared.clock import SystemClock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.client import MllpClient
from simulators.ehr.hl7.receiver import AdtReceiver
from simulators.ehr.hl7.server import start_mllp_server
from simulators.ehr.store import FhirStore

TARGET_PER_SECOND = 1_000


def message(number: int, connection: int) -> bytes:
    event = "A04" if number % 2 == 0 else "A08"
    mrn = f"B{connection}-{number // 2}"
    return (
        f"MSH|^~\\&|BENCH|BENCHFAC|EHR|EHRFAC|20250106090000||ADT^{event}|{connection}-{number}|"
        f"P|2.5.1\rEVN|{event}|20250106090000\r"
        f"PID|1||{mrn}^^^^MR||Benchperson^Ana^Maria^^Ms.^^L||19800214|F|||"
        "12 Example Street^Apt 3^Springfield^IL^62701^USA^H||555-0100^PRN^PH~"
        "^NET^Internet^ana.b@example.org|555-0101^WPN^PH|en^English"
    ).encode()


async def _serve_ehr(ports: Queue[int], validation: bool) -> None:
    clock = SystemClock()
    store = FhirStore(History(clock, system="ehr"), clock, validation=validation)
    server = await start_mllp_server(store, "127.0.0.1", 0, history=store.history, clock=clock)
    ports.put(server.port)
    await asyncio.Event().wait()


async def _serve_echo(ports: Queue[int]) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                frame = await reader.readuntil(b"\x1c\r")
                writer.write(frame)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    ports.put(server.sockets[0].getsockname()[1])
    await asyncio.Event().wait()


def _child(kind: str, ports: Queue[int], validation: bool) -> None:
    asyncio.run(_serve_ehr(ports, validation) if kind == "ehr" else _serve_echo(ports))


async def _drive(port: int, connection: int, count: int, check: bool) -> list[float]:
    latencies = []
    async with await MllpClient.connect("127.0.0.1", port) as client:
        for number in range(count):
            started = time.perf_counter()
            reply = await client.send(message(number, connection), timeout=30)
            latencies.append(time.perf_counter() - started)
            if check and read_ack(reply).code != "AA":
                raise SystemExit(f"message {connection}-{number} was not accepted: {reply[:200]!r}")
    return latencies


async def _measure(port: int, connections: int, total: int, check: bool) -> tuple[float, float]:
    per_connection = total // connections
    started = time.perf_counter()
    results = await asyncio.gather(
        *(_drive(port, c, per_connection, check) for c in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    return per_connection * connections / elapsed, statistics.median(latencies) * 1000


def run(kind: str, total: int, validation: bool) -> dict[int, tuple[float, float]]:
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    child = context.Process(target=_child, args=(kind, ports, validation), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=60)
        asyncio.run(_measure(port, 1, min(total, 200), kind == "ehr"))  # warm-up
        return {n: asyncio.run(_measure(port, n, total, kind == "ehr")) for n in (1, 8)}
    finally:
        child.terminate()
        child.join(timeout=10)


def in_process(total: int, validation: bool) -> float:
    """Messages per CPU second through ``AdtReceiver.handle`` alone: no socket, no scheduler."""
    clock = SystemClock()
    store = FhirStore(History(clock, system="ehr"), clock, validation=validation)
    receiver = AdtReceiver(store, history=store.history, clock=clock)
    payloads = [message(number, 0) for number in range(total)]
    receiver.handle(message(total + 1, 1))  # warm-up: imports and validators
    started = time.process_time()
    for payload in payloads:
        receiver.handle(payload)
    return total / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="messages per configuration")
    parser.add_argument("--no-validation", action="store_true", help="store without R4 checks")
    args = parser.parse_args()
    validation = not args.no_validation

    echo = run("echo", args.messages, validation)
    ehr = run("ehr", args.messages, validation)
    alone = in_process(args.messages, validation)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"MLLP ADT with ACK, {args.messages} messages per run, R4 validation {validation}")
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    print(f"{'connections':>11} {'echo msg/s':>11} {'EHR msg/s':>10} {'EHR/echo':>9} "
          f"{'EHR p50 ms':>11} {'target':>7}")  # fmt: skip
    for connections in (1, 8):
        echo_rate, _ = echo[connections]
        ehr_rate, ehr_p50 = ehr[connections]
        verdict = "met" if ehr_rate >= TARGET_PER_SECOND else "MISSED"
        print(
            f"{connections:>11} {echo_rate:>11,.0f} {ehr_rate:>10,.0f} "
            f"{ehr_rate / echo_rate:>9.2f} {ehr_p50:>11.2f} {verdict:>7}"
        )
    print(f"receiver alone (no socket): {alone:,.0f} messages per CPU second")


if __name__ == "__main__":
    main()
