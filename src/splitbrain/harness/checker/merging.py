"""Several files' operations -> one real-time order, a chunk at a time.

Operations are :class:`Operation` tuples, or plain tuples in its field order (in a worker
process). Each file's operations arrive in chunks, in completion order (``mono_ns`` never goes
back in a file). The merged order is the one ``heapq.merge(..., key=mono)`` gives: by
``mono``, and on a tie the earlier file first. Per round, every operation older than the
*bound* (the smallest last ``mono`` among the files that may still send more) is final: it is
taken from every buffer, and the batch is sorted once by ``mono`` (a stable C sort of a few
sorted runs, so ties keep file order). The files that set the bound then read their next
chunk::

    for batch in merge_chunks([read_chunks(s, stats) for s in sources]):
        for op in batch:
            ...
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any, TypeVar

from splitbrain.harness.checker.model import MONO

__all__ = ["merge_chunks"]

_mono = itemgetter(MONO)
Row = TypeVar("Row", bound=tuple[Any, ...])


def merge_chunks(streams: Iterable[Iterator[list[Row]]]) -> Iterator[list[Row]]:
    """Batches of operations in merged completion order (every batch non-empty)."""
    sources = list(streams)
    if len(sources) == 1:
        yield from (chunk for chunk in sources[0] if chunk)
        return
    buffers: list[list[Row]] = [[] for _ in sources]
    live = [True] * len(sources)
    for i in range(len(sources)):
        _refill(sources, buffers, live, i)
    while any(buffers):
        tails = [buf[-1][MONO] for buf, more in zip(buffers, live, strict=True) if more and buf]
        bound = min(tails) if tails else None
        batch: list[Row] = []
        runs = 0
        for i, buf in enumerate(buffers):
            take = len(buf) if bound is None else _before(buf, bound)
            if take:
                runs += 1
                batch.extend(buf if take == len(buf) else buf[:take])
                buffers[i] = [] if take == len(buf) else buf[take:]
        if runs > 1:
            batch.sort(key=_mono)
        if batch:
            yield batch
        for i, buf in enumerate(buffers):
            if live[i] and (not buf or buf[-1][MONO] == bound):
                _refill(sources, buffers, live, i)


def _before(buf: list[Row], bound: int) -> int:
    """How many operations at the head of ``buf`` are older than ``bound``."""
    if buf and buf[-1][MONO] < bound:
        return len(buf)
    return bisect.bisect_left(buf, bound, key=_mono)


def _refill(
    sources: list[Iterator[list[Row]]],
    buffers: list[list[Row]],
    live: list[bool],
    i: int,
) -> None:
    """Append file ``i``'s next non-empty chunk to its buffer, or mark it finished."""
    for chunk in sources[i]:
        if chunk:
            buffers[i] = buffers[i] + chunk if buffers[i] else chunk
            return
    live[i] = False
