"""A real HTTP(S) server on a loopback address, serving test pages, for the URL fetch tests.

    with PageServer("127.0.0.1") as server:
        server.route("/story", html("<h1>...</h1>"))
        server.url("/story")        # http://127.0.0.1:<port>/story
        server.requests             # [(path, Host header, TLS server name)] as received

A route is a function of the request handler that writes the whole answer; `html`, `redirect`,
`status` and `slow` make the usual ones. Any address in 127.0.0.0/8 works on Linux, so a
second server on 127.0.0.2 stands in for "a public host" in tests of the address policy.
"""

from __future__ import annotations

import ssl
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Route = Callable[[BaseHTTPRequestHandler], None]


def answer(
    body: bytes, content_type: str = "text/html; charset=utf-8", code: int = 200, **headers: str
) -> Route:
    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return write


def html(text: str, content_type: str = "text/html; charset=utf-8") -> Route:
    return answer(text.encode("utf-8"), content_type)


def redirect(location: str, code: int = 302) -> Route:
    return answer(b"", "text/html", code, Location=location)


def slow(seconds: float, route: Route) -> Route:
    def write(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        route(handler)

    return write


def drip(chunks: int, every_s: float) -> Route:
    """Send an HTML page in chunks (no Content-Length), one every `every_s` seconds."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"<html><body>")
        for _ in range(chunks):
            handler.wfile.flush()
            time.sleep(every_s)
            handler.wfile.write(b"<p>more</p>")

    return write


def endless(chunk: bytes) -> Route:
    """Send HTML with no Content-Length until the client hangs up (a body with no end)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            while True:
                handler.wfile.write(chunk)
        except OSError:
            return

    return write


class _QuietServer(ThreadingHTTPServer):
    """A server that says nothing when a client goes away (a fetch that gave up, a pooled
    connection closed): its traceback on stderr would land in the output of a CLI run by
    CliRunner in this process, which the tests read line by line."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class PageServer:
    """A threading HTTP server on `host` and a free port; TLS when given an SSL context."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.server_names: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                name = getattr(self.connection, "server_hostname", None) or ""
                seen = server.server_names[-1] if server.server_names else name
                server.requests.append((self.path, self.headers.get("Host", ""), seen))
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    answer(b"<h1>Not here</h1>", code=404)(self)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name or "")
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
