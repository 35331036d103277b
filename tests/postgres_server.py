"""A real PostgreSQL server for the tests, and a fresh database per test.

Fixtures (loaded for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``):

- ``postgres_dsn`` (session): a libpq URI (``postgresql://...``) of a database on a running
  server. ``$SPLITBRAIN_TEST_POSTGRES`` if set (a URI or ``key=value`` DSN of a role that may
  ``CREATE DATABASE``); else a throwaway cluster: ``initdb`` into a temporary directory, started
  on a free port with its unix socket in that directory (no TCP listener), stopped and deleted
  at the end of the session. As root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` OS user
  (``runuser -u postgres --``), since PostgreSQL refuses to run as root. The binaries are found
  with ``pg_config --bindir`` or under ``/usr/lib/postgresql/*/bin`` (the newest).
  Without binaries the test is skipped with a message saying how to get them, except when
  ``CI=true``: then it fails, because ``make test`` installs them in CI.
- ``postgres_db`` (function): the URI of a new, empty database on that server, dropped after
  the test (``WITH (FORCE)``: connections the test left open are ended). Tests never see each
  other's tables.

Mark tests that use them ``@pytest.mark.postgres``. The throwaway cluster runs with
``fsync=off``: it is for tests, and a lost test cluster is simply made again.

Example::

    @pytest.mark.postgres
    def test_store_opens_on_an_empty_database(postgres_db: str) -> None:
        store = PostgresSyncStore.open(postgres_db)
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlencode

import psycopg
import pytest
from psycopg import conninfo, sql

ENV_DSN = "SPLITBRAIN_TEST_POSTGRES"
NOT_FOUND = (
    f"PostgreSQL server binaries not found: install Debian's postgresql package or set {ENV_DSN}"
)
_SUPERUSER = "postgres"
_DATABASE = "splitbrain_test"
_SERVER_SETTINGS = ("fsync=off", "full_page_writes=off", "max_connections=200")
_numbers = itertools.count(1)


def uri(params: dict[str, str]) -> str:
    """A libpq URI for connection ``params`` (every one but the database as a query parameter,
    so a unix socket directory needs no special syntax)."""
    rest = {k: v for k, v in params.items() if k != "dbname" and v}
    query = f"?{urlencode(rest)}" if rest else ""
    return f"postgresql:///{quote(params.get('dbname', ''), safe='')}{query}"


def with_database(dsn: str, dbname: str) -> str:
    """``dsn`` (a URI or a ``key=value`` string) pointed at another database, as a URI."""
    params = {k: str(v) for k, v in conninfo.conninfo_to_dict(dsn).items() if v is not None}
    return uri({**params, "dbname": dbname})


def server_bindir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are, or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], check=False, capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    by_version = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(p) for p in by_version)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, for one test session."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="splitbrain-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._started = False

    def start(self) -> str:
        """initdb, start, create the session's database; its URI."""
        if self._as_postgres:
            shutil.chown(self.root, user=_SUPERUSER, group=None)
        self._run(
            "initdb", "-D", str(self.data), "-U", _SUPERUSER, "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = " ".join(
            [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=''"]
            + [f"-c {setting}" for setting in _SERVER_SETTINGS]
        )
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        self._started = True
        admin = self.uri("postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_DATABASE)))
        return self.uri(_DATABASE)

    def uri(self, dbname: str) -> str:
        params = {"host": str(self.root), "port": str(self.port), "user": _SUPERUSER}
        return uri({**params, "dbname": dbname})

    def stop(self) -> None:
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", _SUPERUSER, "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} failed with exit code {done.returncode} (cluster in {self.root}):\n"
                f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: `make test` installs PostgreSQL; check its output)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The URI of a database on a running PostgreSQL server (see the module docstring)."""
    given = os.environ.get(ENV_DSN)
    if given:
        yield given
        return
    bindir = server_bindir()
    if bindir is None:
        _unavailable(NOT_FOUND)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("PostgreSQL cannot run as root and `runuser` is missing; set " + ENV_DSN)
    cluster = ThrowawayCluster(bindir)
    try:
        dsn = cluster.start()
        yield dsn
    finally:
        cluster.stop()


@pytest.fixture
def postgres_db(postgres_dsn: str) -> Iterator[str]:
    """The URI of a new empty database, dropped after the test."""
    name = f"sb_test_{os.getpid()}_{next(_numbers)}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(create)
    try:
        yield with_database(postgres_dsn, name)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(drop)
