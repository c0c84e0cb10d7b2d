"""A real PostgreSQL server for the tests: Debian's `postgresql` package (`make test` installs
it), a cluster made by initdb in a temporary folder, started by pg_ctl on a free loopback port
and stopped after the session.

pytest-postgresql would start it the same way, but runs initdb as the current user, and initdb
refuses to run as root (CI and this machine run the tests as root): here the cluster belongs to
the `postgres` user and its commands run through runuser when we are root.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from live_server import free_port

#: Debian installs each major version under /usr/lib/postgresql/<major>/bin.
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
#: The user that owns the cluster when the tests run as root.
SERVICE_USER = "postgres"
#: Settings for a throwaway cluster: no durability (the data dies with the test session),
#: enough connections for many test databases at once.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
)
#: A database migrated to the head, copied for each test (CREATE DATABASE ... TEMPLATE).
TEMPLATE = "audionews_template"


def binaries() -> Path | None:
    """Return the folder of the newest installed PostgreSQL's programs, or None."""
    found = sorted(
        DEBIAN_BINARIES.glob("*/bin/initdb"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """One cluster in its own folder, listening on 127.0.0.1:<port> only."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # not under pytest's tmp folders: those are private to root, and the server runs as
        # the postgres user
        self.root = Path(tempfile.mkdtemp(prefix="audionews-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self._as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=self.root)

    def start(self) -> None:
        if self._as_root:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE DATABASE needs that)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str = "template0") -> str:
        """Create a database (a copy of `template`) and return its URL."""
        name = f"test_{next(self._names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)
