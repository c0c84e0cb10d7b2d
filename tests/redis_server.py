"""A real Redis server for the tests: Debian's redis-server on a free loopback port, in a
temporary folder, no persistence; `make test` installs the package when it is missing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from live_server import free_port

REDIS_SERVER = "redis-server"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Start a Redis server for the session and return its URL (database 0)."""
    if shutil.which(REDIS_SERVER) is None:
        pytest.fail("redis-server is not installed: run `make test` (it installs Debian's package)")
    with running_redis() as url:
        yield url


@contextmanager
def running_redis() -> Iterator[str]:
    """Run a Redis server while the block runs; yield its URL (also for bench/scale_speed.py)."""
    import redis

    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        raise RuntimeError("redis-server is not installed: apt-get install redis-server")
    folder = Path(tempfile.mkdtemp(prefix="audionews-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
         "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[str]:
    """The session's Redis server, emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
