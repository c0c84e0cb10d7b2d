"""Fetching an article page from a URL: real HTTP on loopback, both sides (net/fetch.py).

Pages come from a real server on 127.0.0.1 (fetched with allow_private=True, as for an
intranet CMS); the refusal of internal addresses is tested with the default policy. A second
server on 127.0.0.2, which a test policy treats as public, stands in for a site on the internet.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audionews.errors import FetchError
from audionews.ingest.html import page_link
from audionews.net import fetch
from audionews.net.fetch import IPAddress, check_url, fetch_page, public_only
from page_server import PageServer, answer, drip, endless, html, redirect, slow

STORY = "<!doctype html><html><head><title>Bridge</title></head><body><h1>Bridge</h1></body>"
PUBLIC_STANDIN = ipaddress.ip_address("127.0.0.2")


def standin_public(ip: IPAddress) -> str | None:
    """The default policy, except that 127.0.0.2 counts as a public address."""
    return None if ip == PUBLIC_STANDIN else public_only(ip)


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer("127.0.0.1") as running:
        yield running


@pytest.fixture
def public() -> Iterator[PageServer]:
    with PageServer("127.0.0.2") as running:
        yield running


def _error(url: str, **kwargs: object) -> str:
    with pytest.raises(FetchError) as caught:
        fetch_page(url, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --------------------------------------------------------------------------- what is read


def test_fetches_a_page_and_reports_where_it_ended(server: PageServer) -> None:
    server.route("/story", html(STORY))
    server.route("/old", redirect("/story", 301))
    server.route("/older", redirect(server.url("/old")))
    page = fetch_page(server.url("/older"), allow_private=True)
    assert page.url == server.url("/story")
    assert "<h1>Bridge</h1>" in page.text
    assert [path for path, _host, _sni in server.requests] == ["/older", "/old", "/story"]


@pytest.mark.parametrize(
    ("content_type", "body", "encoding"),
    [
        # the header's charset wins over a different <meta> one
        ("text/html; charset=iso-8859-1", '<meta charset="utf-8"><p>café</p>', "iso-8859-1"),
        # only the page declares it
        ("text/html", '<meta charset="windows-1252"><p>café</p>', "windows-1252"),
        (
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><p>café</p>',
            "iso-8859-15",
        ),
        # nothing declared: UTF-8 when it decodes as UTF-8, else windows-1252
        ("text/html", "<p>café</p>", "utf-8"),
        ("text/html", "<p>café</p>", "cp1252"),
        # a charset no codec knows is ignored in favour of the page's own declaration
        ("text/html; charset=x-nonsense", '<meta charset="iso-8859-1"><p>café</p>', "iso-8859-1"),
    ],
)
def test_the_declared_charset_decodes_the_page(
    server: PageServer, content_type: str, body: str, encoding: str
) -> None:
    server.route("/p", answer(body.encode(encoding), content_type))
    page = fetch_page(server.url("/p"), allow_private=True)
    assert "<p>café</p>" in page.text


def test_a_wrongly_declared_charset_is_followed_like_a_browser_does(server: PageServer) -> None:
    """The declaration wins (as in browsers); bytes it cannot decode become U+FFFD, no error."""
    server.route("/p", answer("<p>café</p>".encode("latin-1"), "text/html; charset=utf-8"))
    page = fetch_page(server.url("/p"), allow_private=True)
    assert page.encoding == "utf-8" and "<p>caf\ufffd</p>" in page.text


def test_page_link_is_the_canonical_url_resolved_against_the_page() -> None:
    base = "https://news.example/2026/bridge?utm=x"
    canonical = (
        '<link rel="canonical" href="/bridge-reopens">'
        '<meta property="og:url" content="https://www.news.example/b">'
    )
    assert page_link(canonical, base) == "https://news.example/bridge-reopens"
    og = '<meta property="og:url" content="https://www.news.example/b">'
    assert page_link(og, base) == "https://www.news.example/b"
    tokens = '<link rel="Canonical  alternate" href="http://amp.news.example/x">'
    assert page_link(tokens, base) == "http://amp.news.example/x"
    mobile = '<link rel="canonical" href="https://news.example/bridge-reopens">'
    assert page_link(mobile, "https://m.news.example/a") == "https://news.example/bridge-reopens"
    # another site's address is not this page's canonical URL
    other = '<link rel="canonical" href="https://rival.example/bridge">'
    assert page_link(other, base) == base
    assert page_link('<link rel="canonical" href="https://evilnews.example/">', base) == base
    # no declaration, or one that is no web address: the page's own address
    assert page_link("<p>no head</p>", base) == base
    assert page_link('<link rel="canonical" href="javascript:alert(1)">', base) == base
    assert page_link('<link rel="canonical" href="http://[broken">', base) == base


# --------------------------------------------------------------------------- failures


def test_http_errors_say_what_happened(server: PageServer) -> None:
    server.route("/gone", answer(b"gone", code=410))
    server.route("/broken", answer(b"oops", code=503))
    assert "404" in (message := _error(server.url("/missing"), allow_private=True))
    assert "no page at this address" in message
    assert "410" in _error(server.url("/gone"), allow_private=True)
    assert "503" in (message := _error(server.url("/broken"), allow_private=True))
    assert "try again later" in message


def test_only_html_pages_are_read(server: PageServer) -> None:
    server.route("/doc.pdf", answer(b"%PDF-1.7", "application/pdf"))
    server.route("/typeless", answer(b"<p>x</p>", ""))
    message = _error(server.url("/doc.pdf"), allow_private=True)
    assert "not an HTML page (application/pdf)" in message
    assert "not an HTML page" in _error(server.url("/typeless"), allow_private=True)


def test_too_large_pages_are_refused_by_header_and_while_reading(
    server: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "MAX_PAGE_BYTES", 50_000)
    server.route("/declared", answer(b"<p>" + b"x" * 60_000 + b"</p>"))
    server.route("/endless", endless(b"<p>" + b"y" * 4000 + b"</p>"))
    assert "larger than" in _error(server.url("/declared"), allow_private=True)
    assert "larger than" in _error(server.url("/endless"), allow_private=True)


def test_slow_servers_time_out(server: PageServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "READ_TIMEOUT_S", 0.3)
    monkeypatch.setattr(fetch, "TOTAL_TIMEOUT_S", 1.0)
    server.route("/slow", slow(1.0, html(STORY)))
    server.route("/drip", drip(chunks=20, every_s=0.2))  # each read is quick, the whole is not
    assert "did not answer in time" in _error(server.url("/slow"), allow_private=True)
    assert "took longer than 1 s" in _error(server.url("/drip"), allow_private=True)


def test_redirects_are_limited_and_stay_on_the_web(server: PageServer) -> None:
    server.route("/loop", redirect("/loop"))
    server.route("/to-file", redirect("file:///etc/passwd"))
    server.route("/nowhere", redirect(""))
    server.route("/choices", answer(b"<p>pick one</p>", code=300))
    assert "redirects more than 5 times" in _error(server.url("/loop"), allow_private=True)
    assert len(server.requests) == fetch.MAX_REDIRECTS + 1
    message = _error(server.url("/to-file"), allow_private=True)
    assert "only http:// and https://" in message
    assert "no Location" in _error(server.url("/nowhere"), allow_private=True)
    assert "answered 300 Multiple Choices" in _error(server.url("/choices"), allow_private=True)


def test_unknown_hosts_and_closed_ports(server: PageServer) -> None:
    message = _error("http://no-such-host.invalid/story", allow_private=True)
    assert "cannot find the server 'no-such-host.invalid'" in message
    port = server.port
    server.__exit__(None, None, None)  # nothing listens there any more
    assert "cannot connect to 127.0.0.1" in _error(f"http://127.0.0.1:{port}/", allow_private=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "only http:// and https://"),
        ("ftp://example.org/story", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("example.org/story", "only http:// and https://"),
        ("http:///story", "names no server"),
        ("http://example.org:99999/", "not a valid URL"),
        ("http://ex\x00ample.org/", "not a valid URL"),
        ("http://xn--/", "not a valid URL"),
        ("https://example.org/" + "a" * 2000, "longer than 2000"),
    ],
)
def test_urls_that_are_no_web_page_are_refused(url: str, expected: str) -> None:
    assert expected in _error(url, allow_private=True)


# --------------------------------------------------------------------------- internal addresses


def test_loopback_urls_are_refused_by_default(server: PageServer) -> None:
    server.route("/admin", html(STORY))
    message = _error(server.url("/admin"))
    assert "refused to fetch from '127.0.0.1': it is a loopback address" in message
    assert "allow_private_urls = true" in message
    assert "a loopback address" in _error(server.url("/admin", host="[::ffff:127.0.0.1]"))
    assert server.requests == []  # not one byte reached the internal service


def test_a_name_that_resolves_to_loopback_is_refused(server: PageServer) -> None:
    server.route("/admin", html(STORY))
    message = _error(server.url("/admin", host="localhost"))
    assert "refused to fetch from 'localhost'" in message and "loopback" in message
    assert server.requests == []


def test_a_redirect_to_loopback_is_refused_after_an_allowed_first_hop(
    server: PageServer, public: PageServer
) -> None:
    server.route("/admin", html("<p>internal</p>"))
    public.route("/story", redirect(server.url("/admin")))
    public.route("/fine", html(STORY))
    # the seam: the policy that lets 127.0.0.2 through is otherwise the default one
    assert "<h1>Bridge</h1>" in fetch_page(public.url("/fine"), policy=standin_public).text
    message = _error(public.url("/story"), policy=standin_public)
    assert "refused to fetch from '127.0.0.1': it is a loopback address" in message
    assert [path for path, _h, _s in public.requests] == ["/fine", "/story"]
    assert server.requests == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:10.0.0.7", "a private address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # cloud metadata services
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("100.64.0.1", "a reserved address"),  # carrier-grade NAT
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_the_default_policy_allows_only_global_addresses(address: str, kind: str | None) -> None:
    assert public_only(ipaddress.ip_address(address)) == kind


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    server: PageServer, public: PageServer
) -> None:
    """DNS rebinding: the name answers a public address for the check, then a private one.

    The name resolves only through the test's resolver, so the page can only come from a
    connection to the address that resolver gave, and it is asked once per connection.
    """
    server.route("/story", html("<p>internal</p>"))
    public.route("/story", html(STORY))
    answers = [[PUBLIC_STANDIN], [ipaddress.ip_address("127.0.0.1")]]
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    url = f"http://news.test:{public.port}/story"
    page = fetch_page(url, policy=standin_public, resolver=rebinding)
    assert "<h1>Bridge</h1>" in page.text and page.url == url
    assert asked == ["news.test"]
    assert public.requests == [("/story", f"news.test:{public.port}", "")]
    assert server.requests == []
    # the next connection asks again, gets the private address and is refused
    assert "loopback" in _error(url, policy=standin_public, resolver=rebinding)
    assert server.requests == []


def test_https_keeps_the_host_name_for_sni_and_the_certificate(tmp_path: Path) -> None:
    """Pinned to an address, TLS still sends the name (SNI) and checks the name's certificate."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("news.test").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    with PageServer("127.0.0.2", tls=server_context) as secure:
        secure.route("/story", html(STORY))
        url = secure.url("/story", host="news.test")
        page = fetch_page(
            url,
            policy=standin_public,
            resolver=lambda host, port: [PUBLIC_STANDIN],
            verify=client_context,
        )
        assert "<h1>Bridge</h1>" in page.text
        assert secure.server_names == ["news.test"]
        assert secure.requests[0][1] == f"news.test:{secure.port}"
        # a name the certificate does not cover fails verification, pinned or not
        message = _error(
            secure.url("/story", host="other.test"),
            policy=standin_public,
            resolver=lambda host, port: [PUBLIC_STANDIN],
            verify=client_context,
        )
        assert "cannot connect to other.test" in message and "certificate" in message.lower()


def test_address_literals_are_checked_before_any_fetch() -> None:
    policy = fetch.policy_for(False)
    with pytest.raises(FetchError, match="loopback"):
        check_url("http://127.0.0.1:8000/admin", policy)
    with pytest.raises(FetchError, match="link-local"):
        check_url("http://169.254.169.254/latest/meta-data/", policy)
    assert check_url(" https://news.example/story ", policy) == "https://news.example/story"
    assert check_url("http://127.0.0.1/", fetch.policy_for(True)) == "http://127.0.0.1/"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda scheme, rest: scheme + rest,
            st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:"]),
            st.text(max_size=60),
        ),
    )
)
def test_any_text_gives_a_fetch_error_and_reaches_nothing_internal(url: str) -> None:
    """Whatever is typed into a URL field, the answer is one FetchError line (here every name
    resolves to loopback, which the default policy refuses, so nothing is ever connected to)."""
    with pytest.raises(FetchError) as caught:
        fetch_page(url, resolver=lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    assert "\n" not in str(caught.value)
