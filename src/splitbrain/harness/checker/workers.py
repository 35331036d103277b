"""Read the histories in a worker process while this process judges them: the second core.

Reading (JSON parsing, validation, pairing, the merge by ``mono_ns``) costs about as much as
judging, and judging keeps one state, so it stays in one process. A forked worker runs the
same reader (``pairing.read_chunks`` + ``merging.merge_chunks``, so the order and the checks
are the in-process ones by construction) and sends each merged batch as ``marshal`` bytes of
plain tuples; this process turns them back into :class:`Operation` tuples (two C calls per
batch) while the worker reads the next batch::

    for batch in worker_batches(sources, stats):
        for op in batch:
            ...

Broken input: the worker sends no diagnosis (exceptions do not cross processes well); it says
that it failed, and this process reads the files again itself, which raises the exact error
the in-process reader raises (file:line, field, rule, fix). A worker that dies is read again
the same way.
"""

from __future__ import annotations

import contextlib
import itertools
import marshal
import multiprocessing
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any, Final

from splitbrain.harness.checker.errors import CheckerError
from splitbrain.harness.checker.merging import merge_chunks
from splitbrain.harness.checker.model import Operation
from splitbrain.harness.checker.pairing import read_chunks, read_rows
from splitbrain.harness.checker.sources import HistorySource, ReadStats

__all__ = ["AUTO_BYTES", "can_fork", "worker_batches"]

AUTO_BYTES: Final = 16 << 20
"""From this many bytes of history files on, ``check()`` reads in a worker by default: below
it, starting a process costs more than it saves."""
_BATCH, _DONE, _FAILED = 0, 1, 2
_new = tuple.__new__


def can_fork() -> bool:
    """Whether this platform starts workers by ``fork`` (Linux): no re-import, no pickling."""
    return "fork" in multiprocessing.get_all_start_methods()


def worker_batches(sources: Sequence[HistorySource], stats: ReadStats) -> Iterator[list[Operation]]:
    """The merged batches of ``sources``, read by a forked worker; ``stats`` filled at the end."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(
        target=_read, args=(sources, send), name="splitbrain-check-reader", daemon=True
    )
    worker.start()
    send.close()
    try:
        yield from _receive(receive, stats)
    except EOFError:
        _read_here(sources)  # the worker died: read here, which raises if the input is broken
        raise CheckerError(
            "the history reader process ended early; run `splitbrain check --workers 0` to "
            "read in one process"
        ) from None
    finally:
        receive.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _receive(receive: Connection, stats: ReadStats) -> Iterator[list[Operation]]:
    operation = itertools.repeat(Operation)
    while True:
        tag, payload = marshal.loads(receive.recv_bytes())
        if tag == _BATCH:
            yield list(map(_new, operation, payload))
        elif tag == _DONE:
            stats.records, stats.operations, stats.open_at_end, stats.systems = payload
            return
        else:
            raise EOFError


def _read(sources: Sequence[HistorySource], send: Connection) -> None:
    """The worker: read, merge, send batches of plain tuples, then the stats."""
    stats = ReadStats()
    last: tuple[int, Any]
    try:
        streams = [read_rows(source, stats) for source in sources]
        share = _Sharing()
        for batch in merge_chunks(streams):
            send.send_bytes(marshal.dumps((_BATCH, share(batch))))
        last = (_DONE, (stats.records, stats.operations, stats.open_at_end, stats.systems))
    except Exception:  # the parent reads again and raises it with its exact message
        last = (_FAILED, None)
    with contextlib.suppress(OSError):  # the parent may have stopped listening
        send.send_bytes(marshal.dumps(last))
    send.close()


class _Sharing:
    """Makes the repeated strings of a batch (operation, type, process, record, field...) one
    object each: ``marshal`` then writes a reference for each repeat, and the judging process
    unpacks it without building a new string (the worker, which waits on the judge, pays)."""

    def __init__(self) -> None:
        self._known: dict[Any, Any] = {}

    def __call__(self, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        one = self._known.setdefault
        try:
            return [
                (label, system, index, invoke_index, one(kind, kind), one(f, f), one(key, key),
                 one(field, field), one(process, process), base, new, value, fields, idem,
                 attempt, one(outcome, outcome), mono, invoke_mono, time)
                for (label, system, index, invoke_index, kind, f, key, field, process, base, new,
                     value, fields, idem, attempt, outcome, mono, invoke_mono, time) in batch
            ]  # fmt: skip
        except TypeError:  # an unhashable value the reader let through: send the batch as is
            return batch


def _read_here(sources: Sequence[HistorySource]) -> None:
    stats = ReadStats()
    for _ in merge_chunks([read_chunks(source, stats) for source in sources]):
        pass
