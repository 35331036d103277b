"""The portal's state: accounts, their preferences, intake submissions and consents.

One ``PortalStore`` per app; every table shares one re-entrant lock (consent expiry runs from
whichever thread moves the simulated clock).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from simulators._shared import OpContext, Runtime
from simulators._shared.admin import Resettable
from simulators._shared.api_options import ApiOptions
from simulators._shared.change_events import ChangeEvents
from simulators._shared.records import Record, Table, Validator
from simulators.portal.consents import ConsentBook
from simulators.portal.schemas import ACCOUNT_DEFAULTS, PREFERENCE_DEFAULTS

__all__ = ["PortalStore", "preferences_id"]


def preferences_id(account_id: str) -> str:
    """The preferences record of an account has a derived id: ``pref-{account id}``."""
    return f"pref-{account_id}"


class PortalStore:
    def __init__(self, runtime: Runtime, options: ApiOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.lock = threading.RLock()
        self.events = ChangeEvents(runtime)
        self.accounts = self._table("Account", "acc", None)
        self.preferences = self._table("Preferences", "pref", self._check_account)
        self.intake = self._table("Intake", "int", self._check_account, keep_versions=True)
        self.consents = self._table("Consent", "cns", self._check_account, keep_versions=True)
        self.consent_book = ConsentBook(
            runtime=runtime, accounts=self.accounts, consents=self.consents, lock=self.lock
        )
        self._extra_resets: list[Resettable] = []

    def on_reset(self, reset: Resettable) -> None:
        self._extra_resets.append(reset)

    def create_account(
        self, ctx: OpContext | str, fields: dict[str, Any], *, record_id: str | None = None
    ) -> Record:
        """An account with its preferences record (defaults)."""
        with self.lock:
            account = self.accounts.create(ctx, {**ACCOUNT_DEFAULTS, **fields}, record_id=record_id)
            prefs = {"account_id": account["id"], **PREFERENCE_DEFAULTS}
            self.preferences.create(ctx, prefs, record_id=preferences_id(account["id"]))
            return account

    def reset(self) -> None:
        with self.lock:
            for table in (self.accounts, self.preferences, self.intake, self.consents):
                table.reset()
            self.consent_book.reindex()
            for extra in self._extra_resets:
                extra.reset()

    def seed(self, records: list[dict[str, Any]], *, process: str) -> Mapping[str, Any]:
        from simulators.portal.seeding import seed_records

        return seed_records(self, records, process=process)

    def _table(
        self, kind: str, prefix: str, check: Validator | None, *, keep_versions: bool = False
    ) -> Table:
        return Table(
            kind,
            prefix,
            runtime=self.runtime,
            events=self.events,
            lock=self.lock,
            validate=check,
            require_if_match=self.options.require_if_match,
            keep_versions=keep_versions,
        )

    def _check_account(self, record: Mapping[str, Any]) -> None:
        self.accounts.require(record["account_id"], field="account_id")
