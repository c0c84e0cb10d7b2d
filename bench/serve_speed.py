"""Measure, side by side in one run, how fast the app serves feeds and audio vs. nginx.

Publishes the bundled samples with the fake voice (real MP3s) into a temporary library, then
serves the same feed/ folder on loopback: with `audionews serve` (waitress), with the gunicorn
gthread command it replaced (2 workers x 8 threads, when gunicorn is installed), and with nginx
(the physical ceiling for static files; python's http.server if nginx is missing). wrk loads
each for a few seconds per case: /feed.xml full, /feed.xml answered 304, and a 64 KiB ranged MP3
request. Then each app server holds 500 half-sent requests while /healthz is timed. Prints
requests/second, the ratio app/static per case, and the /healthz times.

    .venv/bin/python bench/serve_speed.py [--seconds 5] [--connections 8]

Loopback only, bounded in time. Installs wrk and nginx from Debian if they are missing (root).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.publish.library import Library

SLOW_CLIENTS = 500
HALF_SENT = b"GET /feed.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"

ROOT = Path(__file__).resolve().parent.parent
RANGE = "bytes=100000-165535"  # 64 KiB from the middle, as a seeking player asks

NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    types {{
        application/rss+xml xml;
        audio/mpeg mp3;
        image/png png;
        text/vtt vtt;
    }}
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_tools() -> None:
    """Install wrk and nginx from Debian if they are missing and we may."""
    missing = [
        t
        for t in ("wrk", "nginx")
        if shutil.which(t) is None and not Path(f"/usr/sbin/{t}").exists()
    ]
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        print(f"installing {', '.join(missing)} from Debian...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        packages = ["wrk" if t == "wrk" else "nginx-light" for t in missing]
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=False, env=env)
    if shutil.which("wrk") is None:
        sys.exit("bench needs wrk (apt-get install wrk)")


def wait_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"server at {url} answers {exc.code}") from exc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def running(command: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_up(url)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def probe(url: str, headers: dict[str, str]) -> tuple[int, str]:
    """Return the status and ETag of one request, so each case is checked before it is timed."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("ETag", "")


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> float:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx" in out:
        raise RuntimeError(f"errors under load at {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def cases(base: str, mp3_path: str) -> list[tuple[str, str, dict[str, str], int]]:
    """Return (name, url, headers, expected status) for one server."""
    _, etag = probe(f"{base}/feed.xml", {})
    return [
        ("/feed.xml (200)", f"{base}/feed.xml", {}, 200),
        ("/feed.xml (304)", f"{base}/feed.xml", {"If-None-Match": etag}, 304),
        ("MP3 range 64 KiB (206)", f"{base}{mp3_path}", {"Range": RANGE}, 206),
    ]


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "audionews", "serve", "--host", "127.0.0.1", "--port", str(port)]


def gunicorn_command(port: int, workers: int) -> list[str] | None:
    """Return the gunicorn gthread command `audionews serve` used to run, if gunicorn is here."""
    if importlib.util.find_spec("gunicorn") is None:
        return None
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
            str(workers), "--worker-class", "gthread", "--threads", "8",
            "audionews.web:create_app()"]  # fmt: skip


def healthz_beside_slow_clients(base: str) -> float:
    """Return seconds /healthz takes while SLOW_CLIENTS half-sent requests are held open."""
    port = int(base.rsplit(":", 1)[1])
    sockets = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(sock)
            sock.sendall(HALF_SENT)
        time.sleep(0.5)
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=10).close()
        except OSError:
            return float("inf")
        return time.monotonic() - started
    finally:
        for sock in sockets:
            sock.close()


def measure(base: str, mp3_path: str, seconds: int, connections: int) -> dict[str, float]:
    results = {}
    for name, url, headers, expected in cases(base, mp3_path):
        status, _ = probe(url, headers)
        assert status == expected, f"{name} at {url}: {status}, expected {expected}"
        results[name] = wrk(url, headers, seconds, connections)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="load time per case")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn and nginx workers")
    args = parser.parse_args()
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="audionews-bench-") as tmp_name:
        tmp = Path(tmp_name)
        tmp.chmod(0o755)  # nginx workers run as nobody and must read feed/
        app_port, static_port = free_port(), free_port()
        app_base = f"http://127.0.0.1:{app_port}"
        settings = Settings(
            instance_dir=tmp / "instance", feed_dir=tmp / "feed", public_url=app_base
        )
        for sample in sorted((ROOT / "samples").iterdir()):
            pipeline.publish(
                sample.read_bytes(), settings, filename=sample.name, synthesizer=FakeSynthesizer()
            )
        episode = Library(settings).list_episodes()[0]
        env = {
            **os.environ,
            "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
            "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
            "PUBLIC_URL": app_base,
        }
        apps: dict[str, dict[str, float]] = {}
        healthz: dict[str, float] = {}
        commands = {
            "audionews serve": serve_command(app_port),
            "gunicorn gthread": gunicorn_command(app_port, args.workers),
        }
        for name, app_cmd in commands.items():
            if app_cmd is None:
                continue
            print(f"{name}: {' '.join(app_cmd[2:])}", flush=True)
            with running(app_cmd, f"{app_base}/healthz", env):
                apps[name] = measure(app_base, episode.mp3.path, args.seconds, args.connections)
                healthz[name] = healthz_beside_slow_clients(app_base)

        static_base = f"http://127.0.0.1:{static_port}"
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if Path(nginx).exists():
            conf = tmp / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(
                    workers=args.workers,
                    tmp=tmp,
                    port=static_port,
                    root=settings.feed_dir.resolve(),
                )
            )
            static_cmd, static_name = (
                [nginx, "-c", str(conf), "-e", str(tmp / "nginx.log")],
                "nginx",
            )
        else:
            static_cmd = [sys.executable, "-m", "http.server", str(static_port), "-b", "127.0.0.1",
                          "-d", str(settings.feed_dir)]  # fmt: skip
            static_name = "http.server"
        print(f"static: {static_name} ({args.workers} workers)")
        with running(static_cmd, f"{static_base}/feed.xml"):
            static = measure(static_base, episode.mp3.path, args.seconds, args.connections)

    print(
        f"\nwrk, 1 thread, {args.connections} connections, {args.seconds} s per case, "
        f"{os.cpu_count()} cores shared by client and server"
    )
    names = list(apps)
    print(f"{'case':<24}" + "".join(f"{n + ' req/s':>24}" for n in [*names, static_name])
          + "".join(f"{n[:9] + '/static':>18}" for n in names))  # fmt: skip
    for case, value in static.items():
        row = "".join(f"{apps[n][case]:>24.0f}" for n in names) + f"{value:>24.0f}"
        print(f"{case:<24}{row}" + "".join(f"{apps[n][case] / value:>18.2f}" for n in names))
    for name, seconds in healthz.items():
        shown = "no answer in 10 s" if seconds == float("inf") else f"{seconds * 1000:.0f} ms"
        print(f"/healthz beside {SLOW_CLIENTS} half-sent requests, {name}: {shown}")


if __name__ == "__main__":
    main()
