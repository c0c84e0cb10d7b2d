"""Fetch an article's web page from a URL, without becoming a way into internal services.

    page = fetch_page(url, allow_private=settings.allow_private_urls)
    page.url, page.text      # the address after redirects; the page decoded with its charset
    answer = post(url, body, headers, allow_private=settings.allow_private_urls)  # a webhook

    feed = fetch_page(url, types=FEED_TYPES, etag=known.etag, last_modified=known.last_modified)
    feed.not_modified        # True when the server answered 304 (conditional GET)
    feed.content             # the raw bytes (a feed's XML or JSON says its own encoding)

httpx does the HTTP (timeouts, a streamed body cut off at MAX_PAGE_BYTES, no proxies from the
environment). Redirects are followed here, one hop at a time (at most MAX_REDIRECTS, each
http or https). Every connection goes through `GuardedTransport`: its network backend resolves
the host name once, asks the address policy about each address (by default `public_only`:
no loopback, private, link-local or other non-global address), and connects the socket to an
address it allowed. The URL is not rewritten, so the Host header, TLS SNI and certificate check
still name the host, while a DNS answer that changes between the check and the connection (DNS
rebinding) cannot reach anything: there is no second lookup. The policy and the resolver are
parameters, the seams tests use to treat one loopback address as public or to answer DNS.

Every failure is a FetchError with one line that names the address and the fix.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from w3lib.encoding import html_to_unicode

from audionews import __version__
from audionews.errors import FetchError

#: Seconds to set up a connection, and to wait for each read of the answer.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
#: Seconds the whole fetch may take, redirects included: a server dripping bytes is cut off.
TOTAL_TIMEOUT_S = 30.0
#: Largest page read (after decompression): news pages with inline scripts reach a few MB.
MAX_PAGE_BYTES = 5_000_000
#: Redirects followed at most; each hop is checked like the first.
MAX_REDIRECTS = 5
#: Longest URL accepted.
MAX_URL_LENGTH = 2000
#: Statuses whose Location is followed (other 3xx answers are no page: an error).
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
#: Schemes fetched.
SCHEMES = ("http", "https")
#: Media types read as an article page.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Media types read as a site's feed: RSS, Atom, JSON Feed or a news sitemap. Servers label
#: feeds loosely (plain XML, even text/plain), so the parser, not the label, has the last word.
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "text/plain",
)
#: What the Accept header asks for, and what a refused type is called, per set of types.
ACCEPT = {
    HTML_TYPES: ("text/html,application/xhtml+xml;q=0.9", "an HTML page", "article's web page"),
    FEED_TYPES: (
        "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
        "text/xml;q=0.9,application/json;q=0.8",
        "a feed",
        "site's RSS, Atom or JSON feed or news sitemap",
    ),
}
USER_AGENT = f"audionews/{__version__} (article audio; fetches one page per request)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Says why an address must not be fetched from, or None when it may be.
AddressPolicy = Callable[[IPAddress], str | None]
#: Returns the addresses of a host name (or of an address literal) for a port.
Resolver = Callable[[str, int], list[IPAddress]]

#: Kinds of address never fetched from by default, checked in this order (127.0.0.1 is also
#: "private" to ipaddress; it is named by its narrower kind).
REFUSED_KINDS: tuple[tuple[str, str], ...] = (
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_unspecified", "an unspecified address"),
    ("is_multicast", "a multicast address"),
    ("is_private", "a private address"),
)


def public_only(ip: IPAddress) -> str | None:
    """Refuse every address that is not globally reachable (the default policy)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for attribute, kind in REFUSED_KINDS:
        if getattr(ip, attribute):
            return kind
    return None if ip.is_global else "a reserved address"


def allow_any(ip: IPAddress) -> str | None:
    """Allow every address (the setting allow_private_urls = true: an intranet CMS)."""
    return None


def policy_for(allow_private: bool) -> AddressPolicy:
    """Return the address policy of the allow_private_urls setting."""
    return allow_any if allow_private else public_only


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve `host` with the system's resolver (getaddrinfo), each address once, in order."""
    found: list[IPAddress] = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


# --------------------------------------------------------------------------- the transport


class _PinnedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting to an address the policy allowed, found once."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for ip in allowed_addresses(host, port, self._policy, self._resolver):
            try:
                return self._sockets.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next address
        assert failure is not None  # allowed_addresses returns at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("a URL cannot name a local socket")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


def allowed_addresses(
    host: str, port: int, policy: AddressPolicy, resolver: Resolver
) -> list[IPAddress]:
    """Resolve `host` and return the addresses the policy allows; refuse if there are none."""
    try:
        found = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FetchError(
            f"cannot find the server '{host}' (DNS: {reason}): check the address"
        ) from None
    allowed = [ip for ip in found if policy(ip) is None]
    if not allowed:
        if not found:
            raise FetchError(f"cannot find the server '{host}' (DNS: no address): check it")
        raise FetchError(
            f"refused to fetch from '{host}': it is {policy(found[0])} ({found[0]}), and "
            "internal addresses are not fetched; set allow_private_urls = true to allow them "
            "(e.g. for an intranet CMS)"
        )
    return allowed


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over `_PinnedBackend`: only addresses the policy allows."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        verify: bool | typing.Any = True,
    ) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx builds its pool without a way to pass the backend; httpcore's pool takes one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=4,
            network_backend=_PinnedBackend(policy, resolver),
        )


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class Page:
    """A fetched page: where it was found (after redirects) and its text.

    `etag` and `last_modified` are the server's validators, sent back on the next fetch
    (conditional GET); `not_modified` says the server answered 304: there is no body, the copy
    fetched before is still current.
    """

    url: str
    text: str  # decoded for HTML; "" for other types (`content` holds their bytes)
    encoding: str  # as declared by the server or the page, else detected
    content: bytes = b""
    media_type: str = ""
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


def check_url(url: str, policy: AddressPolicy | None = None) -> str:
    """Return `url` stripped if it can be fetched (http/https, a host); refuse it otherwise.

    With a policy, a host written as an address is checked too (no DNS needed), so a form or
    the API can refuse http://127.0.0.1/ at once; names are checked when the page is fetched.
    """
    url = url.strip()
    shown = url if len(url) <= 80 else url[:77] + "..."
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)  # one line
    if len(url) > MAX_URL_LENGTH:
        raise FetchError(f"the URL is longer than {MAX_URL_LENGTH} characters: {shown}")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
        _ = httpx.URL(url).host  # what httpx refuses: control characters, a broken IDNA label
    except (ValueError, httpx.InvalidURL) as exc:  # IDNAError is a ValueError
        raise FetchError(f"'{shown}' is not a valid URL ({_one_line(exc)})") from None
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(
            f"'{shown}' is not a web address: only http:// and https:// pages can be fetched"
        )
    if not host:
        raise FetchError(f"'{shown}' names no server: write it as https://example.org/story")
    if policy is not None:
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            allowed_addresses(host, 0, policy, lambda _h, _p: [literal])
    return url


def fetch_page(
    url: str,
    *,
    allow_private: bool = False,
    policy: AddressPolicy | None = None,
    resolver: Resolver = system_resolver,
    verify: bool | typing.Any = True,
    types: tuple[str, ...] = HTML_TYPES,
    etag: str = "",
    last_modified: str = "",
) -> Page:
    """Fetch the HTML page at `url` (following a few redirects) and decode it.

    `policy` defaults to the allow_private_urls setting's (`policy_for`); `verify` is httpx's
    (True, or an ssl.SSLContext). `types` are the media types accepted (HTML_TYPES or
    FEED_TYPES). With `etag` or `last_modified` (from an earlier Page) the request is
    conditional: a 304 answer is a Page with `not_modified` and the validators. Raises
    FetchError with one line for every failure.
    """
    current = check_url(url)
    transport = GuardedTransport(policy or policy_for(allow_private), resolver, verify)
    deadline = time.monotonic() + TOTAL_TIMEOUT_S
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT[types][0]}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(
        transport=transport, timeout=timeout, headers=headers, trust_env=False
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            with _fetch_errors(current), client.stream("GET", current) as response:
                if response.status_code == 304 and (etag or last_modified):
                    return Page(
                        current,
                        "",
                        "",
                        etag=response.headers.get("etag", etag),
                        last_modified=response.headers.get("last-modified", last_modified),
                        not_modified=True,
                    )
                if response.status_code not in REDIRECT_STATUSES:
                    return _read_page(current, response, deadline, types)
                current = _redirect_target(current, response.headers.get("location", ""))
    raise FetchError(
        f"{url} redirects more than {MAX_REDIRECTS} times: give the article's own address"
    )


@dataclass(frozen=True)
class Answer:
    """How a server answered a POST: its status line (the body is not read)."""

    status: int
    reason: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def post(
    url: str,
    body: bytes,
    headers: typing.Mapping[str, str],
    *,
    allow_private: bool = False,
    policy: AddressPolicy | None = None,
    resolver: Resolver = system_resolver,
    verify: bool | typing.Any = True,
) -> Answer:
    """POST `body` to `url` under the same address policy and timeouts as `fetch_page`.

    Redirects are not followed (a webhook receiver answers where it is registered, as GitHub
    expects of its receivers), so a 3xx is an answer like any other. Raises FetchError with one
    line when no answer came (DNS, refused address, connection, timeout).
    """
    current = check_url(url)
    transport = GuardedTransport(policy or policy_for(allow_private), resolver, verify)
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    with (
        httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
            follow_redirects=False,
        ) as client,
        _fetch_errors(current),
        client.stream("POST", current, content=body, headers=dict(headers)) as response,
    ):
        return Answer(response.status_code, response.reason_phrase)


def _redirect_target(current: str, location: str) -> str:
    if not location.strip():
        raise FetchError(f"{current} redirects without saying where (no Location header)")
    target = urljoin(current, location.strip())
    try:
        return check_url(target)
    except FetchError as exc:
        raise FetchError(f"{current} redirects to a page that is not fetched: {exc}") from None


#: What an HTTP error status means for the person who gave the URL.
STATUS_HINTS = {
    401: "the page needs a login",
    403: "the server refuses to give the page",
    404: "there is no page at this address",
    410: "the page was removed",
    429: "the server asks us to wait: try again later",
}


def _read_page(
    url: str, response: httpx.Response, deadline: float, types: tuple[str, ...] = HTML_TYPES
) -> Page:
    """Check the status, type and size of an answer, read it and decode it."""
    status = response.status_code
    if not 200 <= status < 300:  # a 3xx here is one without a Location to follow
        hint = STATUS_HINTS.get(status) or (
            "the server failed: try again later" if status >= 500 else "check the address"
        )
        phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
        raise FetchError(f"{url} answered {status}{phrase}: {hint}", status=status)
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in types:
        _accept, what, whose = ACCEPT[types]
        raise FetchError(
            f"{url} is not {what} ({media_type or 'no Content-Type'}): "
            f"give the address of the {whose}"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PAGE_BYTES:
        raise _too_large(url)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_PAGE_BYTES:
            raise _too_large(url)
        if time.monotonic() > deadline:
            raise FetchError(
                f"{url} took longer than {TOTAL_TIMEOUT_S:.0f} s to send the page: try again later"
            )
    if not bytes(body).strip():
        raise FetchError(f"{url} sent an empty page: check the address")
    validators = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    if media_type not in HTML_TYPES:  # a feed: its parser reads the encoding it declares
        return Page(str(response.url), "", "", bytes(body), media_type, **validators)
    encoding, text = html_to_unicode(content_type, bytes(body), auto_detect_fun=_undeclared)
    return Page(str(response.url), text, encoding, bytes(body), media_type, **validators)


def _undeclared(data: bytes) -> str:
    """Return the encoding of a page that declares none: UTF-8 if it is, else windows-1252
    (what browsers assume for such pages in Western locales)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _too_large(url: str) -> FetchError:
    return FetchError(
        f"{url} is larger than {MAX_PAGE_BYTES // 1_000_000} MB: give the article's own page"
    )


@contextmanager
def _fetch_errors(url: str) -> Iterator[None]:
    """Turn httpx's exceptions into one-line FetchErrors naming the address."""
    host = urlsplit(url).hostname or url
    try:
        yield
    except httpx.TimeoutException:
        raise FetchError(
            f"{host} did not answer in time (timeout after {READ_TIMEOUT_S:.0f} s): "
            "try again later or check the address"
        ) from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot connect to {host}: {_one_line(exc)}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: {_one_line(exc)}") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
