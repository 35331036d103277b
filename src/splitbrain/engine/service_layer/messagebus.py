"""The message bus: one command, the events it raises, one transaction (cosmicpython, ch. 9-13).

``handle(command)`` opens the unit of work, runs the command's handler, then every handler of
every event raised (events may raise further events), and commits once at the end. Unlike the
anchor, event handlers run inside the command's transaction: every event lists a handler that
audits it (``handlers.AUDITING``), so a decision and its audit entry commit together, and an
audit failure rolls the whole command back (fail closed, DESIGN §7).

Example::

    bus = MessageBus(uow, policy, clock, HandlerTables(COMMAND_HANDLERS, EVENT_HANDLERS))
    events = bus.handle(IngestWrite(write))     # [FieldApplied(...)] or [WriteRejected(...)] ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.commands import Command
from splitbrain.engine.service_layer.errors import NoHandler
from splitbrain.engine.service_layer.events import Event
from splitbrain.engine.service_layer.handlers import Context, Handler
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork


@dataclass(frozen=True, slots=True)
class HandlerTables:
    commands: Mapping[type, Handler]
    events: Mapping[type, Sequence[Handler]]


class MessageBus:
    """Dispatches commands and their events through the handler tables in one unit of work."""

    def __init__(
        self,
        uow: AbstractUnitOfWork,
        policy: Policy,
        clock: Clock,
        tables: HandlerTables,
    ) -> None:
        self.uow = uow
        self._policy = policy
        self._clock = clock
        self._tables = tables
        self._commands = tables.commands

    def handle(self, command: Command) -> list[Event]:
        """Run ``command`` and its events; commit once. Returns every event raised, in order."""
        handler = self._commands.get(type(command))
        if handler is None:
            raise NoHandler(type(command).__name__)
        uow = self.uow
        with uow:
            context = Context(uow, self._policy, self._clock.now())
            raised = list(handler(command, context))
            self._cascade(raised, context)
            uow.commit()
        return raised

    def _cascade(self, raised: list[Event], context: Context) -> None:
        """Handle every event of ``raised`` in order, appending the events they raise: the list
        is its own queue (first in, first handled)."""
        table = self._tables.events
        position = 0
        while position < len(raised):
            event = raised[position]
            position += 1
            handlers = table.get(type(event))
            for handler in self._event_handlers(event) if handlers is None else handlers:
                more = handler(event, context)
                if more:  # most handlers raise nothing
                    raised.extend(more)

    def _event_handlers(self, event: Event) -> Sequence[Handler]:
        handlers = self._tables.events.get(type(event))
        if handlers is None:
            raise NoHandler(type(event).__name__)
        return handlers
