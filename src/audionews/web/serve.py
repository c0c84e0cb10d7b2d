"""Run the app under gunicorn, the production WSGI server, as `audionews serve` does."""

from __future__ import annotations

import subprocess
import sys

#: gunicorn calls this factory in each worker, so workers share no database connection.
APP_FACTORY = "audionews.web:create_app()"
#: Threads per worker: podcast apps download slowly and hold a connection each, so a thread
#: per connection (gthread) keeps one slow listener from blocking a worker (sync would).
THREADS = 8


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """Return the gunicorn command line for the app on host:port."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(max(1, workers)),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--access-logfile",
        "-",
        APP_FACTORY,
    ]


def run_gunicorn(host: str, port: int, workers: int) -> int:
    """Run gunicorn in the foreground until it stops; return its exit code."""
    try:
        return subprocess.call(gunicorn_command(host, port, workers))
    except KeyboardInterrupt:
        return 0
