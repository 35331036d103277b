"""The MLLP door acknowledges only what is durable: an AA'd message survives the engine's end.

The door is opened alone (no worker running) on a SQLite store; after the AA the engine is
closed before it decided anything, and a new engine on the same file finds the message and
applies it, once.
"""

from __future__ import annotations

import socket
from pathlib import Path

from splitbrain.engine.adapters.hl7_messages import read_ack_code
from splitbrain.engine.adapters.hl7_wire import FrameDecoder, frame
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.sync.model import InboxState
from splitbrain.harness.paths import default_matrix

A04 = (
    b"MSH|^~\\&|EHRSIM|EHRSIM|SPLITBRAIN||20260105090000+0000||ADT^A04^ADT_A01|F77|P|2.5.1\r"
    b"EVN|A04|20260105090000\r"
    b"PID|1||7^^^EHR^PI||Quill^Ana||19840229|||||555-0142^PRN^PH"
)


def _service(path: Path, *, fresh: bool) -> EngineService:
    return bootstrap_service(matrix=default_matrix(), store=f"sqlite:{path}", endpoints={},
                             fresh=fresh, mllp=("127.0.0.1", 0))  # fmt: skip


def _send(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(frame(payload))
        decoder = FrameDecoder()
        while chunk := conn.recv(65536):
            if found := decoder.feed(chunk):
                return found[0]
    raise AssertionError("no ACK")


def test_an_acknowledged_message_is_applied_by_the_next_engine_on_the_same_store(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.sqlite"
    first = _service(path, fresh=True)
    assert first.mllp is not None
    first.mllp.start()
    try:
        ack = _send(first.mllp.port, A04)
    finally:
        first.close()

    second = _service(path, fresh=False)
    try:
        claimed = second.worker.run_once()
        item = second.store.inbox_item("ehr:hl7:EHRSIM:F77")
    finally:
        second.close()

    assert read_ack_code(ack) == ("AA", "F77", "")
    assert claimed == 1
    assert item is not None and item.state is InboxState.APPLIED and item.deliveries == 1
