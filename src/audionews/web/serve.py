"""Run the app under waitress, as `audionews serve` does, safe to face the internet directly.

Why waitress: its event loop reads each request whole (headers, then the body into a bounded
buffer) before a worker thread sees it, and writes responses (files without copying them) the
same way, so an idle, half-sent or slowly read connection costs a socket, never a thread. The
gunicorn gthread worker this replaces handed a connection to a thread as soon as it was
readable, and about two dozen half-sent requests then blocked every thread.

On top of waitress this module bounds the whole time a client may take to send one request
(`request_timeout_s`): waitress only closes connections idle for that long, and a client that
sends a byte every few seconds is never idle. Behind nginx in production (see the README),
nginx does the same job again.
"""

from __future__ import annotations

import ipaddress
import resource
import socket
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from audionews.config import Settings

#: Worker threads: they only run the Flask app on requests already read in full, so a few
#: per core are enough whatever the number of connections.
THREADS = 8
#: Open connections held at once (idle podcast apps and slow downloads included); more wait
#: in the kernel's accept queue until one closes.
CONNECTION_LIMIT = 2000
#: Largest request line plus headers; browsers and podcast apps send a few kB.
MAX_HEADER_BYTES = 32 * 1024
#: Seconds between checks for connections past the time limit.
CHECK_EVERY_S = 1
#: File descriptors beyond the connection limit: database, logs, files being served.
SPARE_FILES = 200


class _TimedChannel(HTTPChannel):
    """An HTTP connection that remembers when the request it is reading began."""

    request_started = 0.0

    def received(self, data: bytes) -> bool:
        reading = self.request
        result: bool = super().received(data)
        if self.request is not None and self.request is not reading:
            self.request_started = time.time()  # a new request's first bytes came in this call
        return result


class _Server(TcpWSGIServer):
    """waitress's TCP server, also closing connections that send one request too slowly."""

    channel_class = _TimedChannel

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes connections idle for channel_timeout
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", now)
            if channel.request is not None and not channel.requests and started < cutoff:
                channel.will_close = True


def adjustments(host: str, port: int, settings: Settings, threads: int = THREADS) -> Adjustments:
    """Return waitress's settings for serving on host:port."""
    from audionews.web import max_body_bytes

    return Adjustments(
        host=host,
        port=port,
        threads=max(1, threads),
        # past the open-file limit accept() fails over and over: hold fewer connections
        connection_limit=max(100, min(CONNECTION_LIMIT, _allow_open_files() - SPARE_FILES)),
        channel_timeout=max(1, round(settings.request_timeout_s)),
        cleanup_interval=CHECK_EVERY_S,
        max_request_header_size=MAX_HEADER_BYTES,
        max_request_body_size=max_body_bytes(),  # larger ones get 413 unread
        asyncore_use_poll=True,  # select() stops at 1024 descriptors
        ident="audionews",
        # the app's ProxyFix (proxy_hops) alone decides which X-Forwarded-* headers to trust;
        # waitress would otherwise drop them all, and behind nginx every client would look
        # like 127.0.0.1 (one login throttle for everyone)
        clear_untrusted_proxy_headers=False,
        expose_tracebacks=False,
    )


def make_server(app: Any, adj: Adjustments) -> Any:
    """Return a server (not yet running) for `app`, listening on every address of `adj`."""
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = [
        _Server(app, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        for sockinfo in adj.listen
    ]
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher)


def _allow_open_files(wanted: int = CONNECTION_LIMIT + SPARE_FILES) -> int:
    """Raise this process's soft limit on open files towards `wanted` (up to the hard limit);
    return the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
    return ceiling


def served_url(host: str, port: int) -> str:
    """Return the base URL of the server listening on host:port, as clients would reach it.

    A wildcard address (0.0.0.0, ::) names no host, so the machine's outward address stands in.
    """
    name = host.strip("[]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        name = _outward_address(address.version)
        address = ipaddress.ip_address(name)
    shown = f"[{name}]" if address is not None and address.version == 6 else name
    return f"http://{shown}:{port}"


def _outward_address(version: int) -> str:
    """Return the address this machine uses to reach other hosts, without sending anything."""
    family, probe = (
        (socket.AF_INET, "192.0.2.1") if version == 4 else (socket.AF_INET6, "2001:db8::1")
    )
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # UDP connect only picks a route: no packet leaves
            found: str = sock.getsockname()[0]
            return found
    except OSError:
        return "127.0.0.1" if version == 4 else "::1"


def run(settings: Settings, host: str, port: int, threads: int = THREADS) -> int:
    """Serve the app in the foreground until interrupted; return the exit code."""
    from audionews.web import create_app

    server = make_server(create_app(settings), adjustments(host, port, settings, threads))
    base = settings.public_url.rstrip("/")
    print(f"feed:   {base}/feed.xml\nplayer: {base}/\nlistening on {host}:{port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
