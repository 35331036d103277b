"""``AuditSink``: the port every audit log implements (SQLite, PostgreSQL, in-memory fake).

``append`` is the only write. It joins the caller's unit of work: the decision and its entry
commit together or not at all, and an append that fails raises ``AuditWriteError`` so the
decision fails with it (fail closed). Checkpoints are written *after* a commit, never inside a
transaction, so a checkpoint never names an entry that a rollback could take back.

Example::

    with unit_of_work:                      # one transaction
        store.save(decision)
        audit.append(event)                 # raises AuditWriteError: nothing commits
    audit.checkpoint_if_due()               # after the commit
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from splitbrain.engine.domain.audit.checkpoint import Checkpoint, CheckpointStore, sign_checkpoint
from splitbrain.engine.domain.audit.entry import AuditEntry, ChainLink, Head
from splitbrain.engine.domain.audit.event import AuditEvent
from splitbrain.engine.domain.audit.keys import AuditKeys, Fingerprinter
from splitbrain.engine.domain.audit.prepared import PreparedEvent
from splitbrain.engine.domain.audit.verify import VerifyResult, verify

DEFAULT_CHECKPOINT_EVERY = 1000


class AuditSink(ABC):
    """An append-only, hash-chained audit log with signed checkpoints kept apart from it."""

    def __init__(
        self,
        checkpoints: CheckpointStore,
        keys: AuditKeys,
        *,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be >= 1 (entries between checkpoints)")
        self.checkpoints = checkpoints
        self.keys = keys
        self.checkpoint_every = checkpoint_every

    @abstractmethod
    def append(self, event: AuditEvent) -> AuditEntry:
        """Chain ``event`` after the head and store it; raise ``AuditWriteError`` on failure."""

    def append_prepared(self, prepared: PreparedEvent) -> None:
        """``append`` for an event an ``EventShape`` prepared (the write path's decisions).

        Same guarantees as ``append``. This default builds the ``AuditEvent``; a store that
        keeps canonical text overrides it to chain and store ``prepared.text`` as it is.
        """
        self.append(prepared.event())

    @abstractmethod
    def entries(self) -> Iterator[AuditEntry]:
        """Every entry in seq order, streamed (constant memory)."""

    def entries_after(self, seq: int) -> Iterator[AuditEntry]:
        """The entries with a sequence number above ``seq``, in order (stores read only those)."""
        return (entry for entry in self.entries() if entry.seq > seq)

    def chain_links(self) -> Iterator[ChainLink]:
        """What ``verify`` reads; a store may yield ``StoredEntry`` rows to skip parsing."""
        return self.entries()

    @abstractmethod
    def head(self) -> Head | None:
        """The last (seq, hash), or None for an empty log."""

    def _ready_for_checkpoint(self) -> None:
        """Raise ``AuditStateError`` when a checkpoint now could name uncommitted entries."""
        return None  # a sink with no transactions is always ready

    def _durable_before_checkpoint(self) -> None:
        """Make the committed entries survive a power loss before a checkpoint names them (a
        store that commits without flushing its log to disk flushes it here); a checkpoint
        naming an entry the store then lost would read as a truncated chain."""
        return None  # a sink whose commits are durable has nothing to flush

    _fingerprinter: Fingerprinter | None = None

    def fingerprint(self, value: str) -> str:
        """The keyed fingerprint of ``value`` under this log's fingerprint key."""
        fp = self._fingerprinter
        if fp is None or fp.key is not self.keys.fingerprint_key:
            fp = self._fingerprinter = Fingerprinter(self.keys.fingerprint_key)
        return fp(value)

    def checkpoint(self) -> Checkpoint | None:
        """Sign and store a checkpoint at the head now; None for an empty log.

        Idempotent: when the latest checkpoint already names the head, it is returned as is.
        """
        self._ready_for_checkpoint()
        head = self.head()
        if head is None:
            return None
        latest = self.checkpoints.latest()
        if latest is not None and latest.seq == head.seq and latest.hash == head.hash:
            return latest
        cp = sign_checkpoint(head, self.keys.checkpoint_key)
        self._durable_before_checkpoint()
        self.checkpoints.append(cp)
        return cp

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Checkpoint when ``checkpoint_every`` entries have been added since the last one."""
        self._ready_for_checkpoint()
        head = self.head()
        latest = self.checkpoints.latest()
        since = 0 if latest is None else latest.seq
        if head is None or head.seq - since < self.checkpoint_every:
            return None
        return self.checkpoint()

    def verify(self) -> VerifyResult:
        """Verify every entry against every stored checkpoint."""
        return verify(self.chain_links(), self.checkpoints.all(), self.keys.checkpoint_key)
