"""The webhook door's group commit: deliveries stored off the event loop, many per transaction.

An HTTP handler hands its ``InboxItem`` to ``GroupReceiver.receive`` and awaits the answer. One
committer thread takes every item waiting and stores them with one ``SyncStore.receive_many``
(one transaction, one fsync on SQLite), then answers each handler; items that arrive while a
commit runs wait for the next one. So the event loop never blocks on a commit (it goes on
reading the next deliveries), and at a high rate one fsync covers several deliveries.

Durability is unchanged: a handler answers its sender only once the commit that holds its item
has returned (durable), at-least-once in. A failed commit (a busy store, an I/O error) fails
every handler of its group (the senders get a 5xx and deliver again), and nothing of the group
was kept.

Example::

    receiver = GroupReceiver(store, stored=work.set)
    receiver.start()
    new = await receiver.receive(item)   # in a handler
    receiver.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore

__all__ = ["GroupReceiver"]

log = logging.getLogger("splitbrain.engine.service")

_Waiting = tuple[InboxItem, asyncio.Future[bool], asyncio.AbstractEventLoop]


class GroupReceiver:
    """Stores the items of many concurrent handlers with one commit at a time."""

    def __init__(self, store: SyncStore, *, stored: Callable[[], None], limit: int = 256) -> None:
        self.store = store
        self.stored = stored
        """Called after each commit that stored a new PENDING item (wakes the worker)."""
        self.limit = limit
        """Items per commit at most."""
        self.groups = 0
        """Commits made (``items / groups`` is the mean group)."""
        self.items = 0
        self._waiting: list[_Waiting] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def receive(self, item: InboxItem) -> bool:
        """Store ``item`` (in its own state) with the next group; whether it was new. Raises
        what the group's commit raised."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            if self._thread is None:
                raise RuntimeError("the group receiver is not running: start() it first")
            self._waiting.append((item, answer, loop))
        self._wake.set()
        return await answer

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="splitbrain-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Store what is waiting, then stop."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._wake.set()
        thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                while self._commit_some():
                    pass
            except Exception:  # keep committing: a dead committer would leave handlers waiting
                log.exception("the group receiver failed a pass")
            if self._stop.is_set():
                with contextlib.suppress(Exception):
                    while self._commit_some():
                        pass
                return

    def _commit_some(self) -> bool:
        with self._lock:
            group, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
        if not group:
            return False
        try:
            news = self.store.receive_many([item for item, _, _ in group])
        except Exception as exc:  # the handlers answer 5xx; their senders deliver again
            log.warning("a group of %d deliveries was not stored: %s", len(group), exc)
            for _, answer, loop in group:
                _call(loop, _fail, answer, exc)
            return True
        self.groups += 1
        self.items += len(group)
        pairs = list(zip(group, news, strict=True))
        if any(new and item.state is InboxState.PENDING for (item, _, _), new in pairs):
            self.stored()
        for (_, answer, loop), new in pairs:
            _call(loop, _answer, answer, new)
        return True


def _call(loop: asyncio.AbstractEventLoop, then: Callable[..., None], *args: object) -> None:
    """Run ``then`` in the handler's loop; a loop closed since (shut down) has no one waiting."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(then, *args)


def _answer(answer: asyncio.Future[bool], new: bool) -> None:
    if not answer.done():  # the handler may have been cancelled (its client went away)
        answer.set_result(new)


def _fail(answer: asyncio.Future[bool], exc: Exception) -> None:
    if not answer.done():
        answer.set_exception(exc)
