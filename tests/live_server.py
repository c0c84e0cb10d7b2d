"""Start the real `audionews serve` (a subprocess on a free loopback port) for HTTP tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audionews.config import Settings

SRC = Path(__file__).resolve().parent.parent / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(
    settings: Settings,
    env: dict[str, str] | None = None,
    public_url: bool = True,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Run `audionews serve` over `settings`' folders; yield its base URL, stop it after.

    With public_url=False the server is given no PUBLIC_URL, as `make run` without one.
    """
    port = free_port()
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PUBLIC_URL", "AUDIONEWS_PUBLIC_URL", "DATABASE_URL")
    }
    environ |= {
        "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
        **(env or {}),
    }
    if settings.cache_dir is not None:
        environ["AUDIONEWS_CACHE_DIR"] = str(settings.cache_dir)
    if settings.database_url:
        environ["DATABASE_URL"] = settings.database_url
    if public_url:
        environ["PUBLIC_URL"] = settings.public_url
    command = [sys.executable, "-m", "audionews", "serve", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), *args],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    _, err = process.communicate()
                    raise RuntimeError(f"audionews serve did not start: {err.decode()}") from None
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
