"""The base of every HTTP persona: validated requests, read-then-write edits, sync marks.

A persona is a Locust ``FastHttpUser`` acting as one client of one system (its ``host`` is set
from the contract when the test starts); ``load.personas`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar

from locust.contrib.fasthttp import FastHttpUser

from load.context import LoadContext, current
from load.pacing import fixed_rate

__all__ = ["CONSENT", "USER_RATE", "Persona", "after", "flag"]

USER_RATE = 0.5
"""Tasks per second of each user (times ``--rate-scale``)."""
CONSENT = {"purpose": "HMARKT", "channel": "sms"}


class Persona(FastHttpUser):
    abstract = True
    system: ClassVar[str] = ""
    client_name: ClassVar[str] = ""
    wait_time = fixed_rate(USER_RATE)

    @property
    def ctx(self) -> LoadContext:
        return current()

    def call(
        self, method: str, path: str, name: str, *, json: Any = None,
        expect: Collection[int] = (200,), need: Collection[str] = ("id",),
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:  # fmt: skip
        """One request, validated: the status in ``expect`` and the keys in ``need``. None
        when the answer is wrong, or when the run is draining (no new request then)."""
        if self.ctx.draining:
            return None
        self.ctx.count(type(self).__name__)
        self.ctx.in_flight += 1
        try:
            return self._call(method, path, name, json=json, expect=expect, need=need,
                              headers=headers)  # fmt: skip
        finally:
            self.ctx.in_flight -= 1

    def _call(
        self, method: str, path: str, name: str, *, json: Any, expect: Collection[int],
        need: Collection[str], headers: Mapping[str, str] | None,
    ) -> dict[str, Any] | None:  # fmt: skip
        all_headers = {**self.ctx.headers(self.client_name), **(headers or {})}
        with self.client.request(method, path, name=f"{self.system} {name}", json=json,
                                 headers=all_headers, catch_response=True) as answer:  # fmt: skip
            if answer.status_code not in expect:
                answer.failure(f"HTTP {answer.status_code}, expected {sorted(expect)}")
                return None
            try:
                body = answer.json()
            except ValueError:
                answer.failure("the body is not JSON")
                return None
            missing = [k for k in need if not isinstance(body, dict) or k not in body]
            if missing:
                answer.failure(f"the body lacks {', '.join(missing)}")
                return None
            answer.success()
            return body if isinstance(body, dict) else {"items": body}

    def edit(self, path: str, name: str, patch: Mapping[str, Any],
             attempts: int = 3) -> dict[str, Any] | None:  # fmt: skip
        """Read, then write with ``If-Match`` the version read, as a screen does; a 412 (the
        engine wrote in between) reads again. A blind write would be a lost update."""
        for _ in range(attempts):
            seen = self.call("GET", path, f"GET {name}", need=("version",))
            if seen is None:
                return None
            body = self.call("PATCH", path, f"PATCH {name}", json=patch, expect=(200, 412),
                             need=(), headers={"If-Match": f'"{seen["version"]}"'})  # fmt: skip
            if body is None or "error" not in body:
                return body
        return None

    def sync(self, path: str, system: str, *, value: str | None = None,
             record: str | None = None, on_done: Callable[[], None] | None = None,
             on_visible: Callable[[str], None] | None = None, **kw: Any) -> None:  # fmt: skip
        """Expect the change just acknowledged to show in ``system``."""

        def seen(record_id: str) -> None:
            if on_visible is not None:
                on_visible(record_id)
            if on_done is not None:
                on_done()

        self.ctx.tracker.expect(path, system, acked=self.ctx.now(), value=value, record=record,
                                on_visible=seen, on_timeout=on_done, **kw)  # fmt: skip


def after(n: int, then: Callable[[], None]) -> Callable[[], None]:
    """A callback that runs ``then`` on its ``n``-th call (all marks of one change settled)."""
    left = [n]

    def one() -> None:
        left[0] -= 1
        if left[0] == 0:
            then()

    return one


def flag(allowed: bool) -> Callable[[Mapping[str, Any]], bool]:
    def shows(record: Mapping[str, Any]) -> bool:
        consents = record.get("consents") or {}
        return bool((consents.get("HMARKT") or {}).get("sms") is allowed)

    return shows
