"""The login throttle: counted atomically per account and per address, across server processes;
it slows guessing down and never locks the right password out. Editors' names stay private."""

from __future__ import annotations

import http.cookiejar
import json
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest

from audionews.config import Settings
from audionews.publish import accounts
from editor_helpers import PASSWORD, Desk, post_form
from live_server import serving
from publish_helpers import publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]


@pytest.fixture
def fresh(fresh_on_each: Settings) -> Settings:
    """Each test on SQLite, then on PostgreSQL."""
    return fresh_on_each


WRONG = "not the password"
PARALLEL = 30


def _login(desk: Desk, name: str, password: str) -> int:
    response = post_form(desk.client(), "/editor/login", {"name": name, "password": password})
    return int(response.status_code)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- real servers


@pytest.fixture
def servers(fresh: Settings) -> Iterator[list[str]]:
    """Run two `audionews serve` processes over one library with editor 'ana': two machines'
    worth of threads racing for the same account's checks."""
    accounts.add_editor(fresh, "ana", PASSWORD)
    with serving(fresh, public_url=False) as first, serving(fresh, public_url=False) as second:
        yield [first, second]  # plain http: the session cookie is not Secure-only


class _Browser:
    """One visitor: a cookie jar and the login form's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with self.opener.open(f"{base}/editor/login", timeout=10) as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        assert found
        self.token = found.group(1)

    def log_in(self, name: str, password: str) -> int:
        body = urllib.parse.urlencode(
            {"name": name, "password": password, "csrf_token": self.token}
        ).encode()
        try:
            with self.opener.open(f"{self.base}/editor/login", body, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code


def test_parallel_guesses_get_five_checks_across_server_processes(servers: list[str]) -> None:
    browsers = [_Browser(servers[i % len(servers)]) for i in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)
    codes: list[int] = []

    def guess(browser: _Browser) -> None:
        start.wait()
        codes.append(browser.log_in("ana", WRONG))

    threads = [threading.Thread(target=guess, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    checks = Counter(codes)[401]
    assert Counter(codes)[429] == PARALLEL - checks
    # 5 checks, and one more each time a wait (1 s, 2 s, ...) passed during the burst, which
    # only a machine too busy to answer 30 logins in a second sees
    assert accounts.LOGIN_FREE_PER_ACCOUNT <= checks <= 5 + int(math.log2(1 + elapsed)), elapsed
    # the wait after the last check: the first delay, doubled for each check past the free ones
    extra = checks - accounts.LOGIN_FREE_PER_ACCOUNT
    time.sleep(min(accounts.LOGIN_MAX_DELAY_S, accounts.LOGIN_FIRST_DELAY_S * 2**extra) + 0.2)
    assert _Browser(servers[0]).log_in("ana", PASSWORD) == 200  # redirected to the editor


# --------------------------------------------------------------------------- in-process


def test_the_right_password_gets_in_once_the_wait_is_over(desk: Desk) -> None:
    for _ in range(accounts.LOGIN_FREE_PER_ACCOUNT):
        assert _login(desk, "ana", WRONG) == 401
    assert _login(desk, "ana", PASSWORD) == 429  # too early: refused without a check
    time.sleep(accounts.LOGIN_FIRST_DELAY_S + 0.1)
    assert _login(desk, "ana", PASSWORD) == 302
    assert _login(desk, "ana", WRONG) == 401  # the right password cleared the account's count


def test_guesses_at_one_account_do_not_lock_out_other_editors_on_the_address(
    desk: Desk,
) -> None:
    accounts.add_editor(desk.settings, "ben", PASSWORD)
    for _ in range(accounts.LOGIN_FREE_PER_ACCOUNT):
        assert _login(desk, "ben", WRONG) == 401
    assert _login(desk, "ben", WRONG) == 429
    # every test client is 127.0.0.1, like editors behind a proxy with proxy_hops = 0
    assert _login(desk, "ana", PASSWORD) == 302


def test_a_login_does_not_clear_guesses_at_another_account(desk: Desk) -> None:
    accounts.add_editor(desk.settings, "ben", PASSWORD)
    for _ in range(accounts.LOGIN_FREE_PER_ACCOUNT):
        assert _login(desk, "ben", WRONG) == 401
        assert _login(desk, "ana", PASSWORD) == 302  # the insider logs in in between
    assert _login(desk, "ben", WRONG) == 429


def test_one_address_gets_twenty_checks_across_accounts(desk: Desk) -> None:
    for number in range(accounts.LOGIN_FREE_PER_ADDRESS):
        last = time.monotonic()
        assert _login(desk, f"editor{number}", WRONG) == 401
    asked = time.monotonic()
    code = _login(desk, "someone-else", WRONG)
    # the next check waits a second after the last one; a machine so busy that the last check
    # alone took that long has already waited it
    assert code == 429 or asked - last >= accounts.LOGIN_FIRST_DELAY_S


def test_waits_double_up_to_the_cap_and_are_forgotten(fresh: Settings) -> None:
    now = 1_000_000.0
    for _ in range(accounts.LOGIN_FREE_PER_ACCOUNT):
        assert accounts.begin_login(fresh, "ana", "10.0.0.1", now=now) == 0.0
    waits = []
    for _ in range(9):
        wait = accounts.begin_login(fresh, "ana", "10.0.0.1", now=now)
        assert wait > 0  # refused, and not counted: asking again does not make it longer
        assert accounts.begin_login(fresh, "ana", "10.0.0.1", now=now) == wait
        waits.append(wait)
        now += wait
        assert accounts.begin_login(fresh, "ana", "10.0.0.1", now=now) == 0.0
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    now += accounts.LOGIN_WINDOW_S + 1
    assert accounts.begin_login(fresh, "ana", "10.0.0.1", now=now) == 0.0


def test_editors_names_are_not_public(desk: Desk) -> None:
    client = desk.login()
    response = post_form(client, "/editor/new", {"text": short_article().decode()})
    assert response.status_code == 303
    publish(desk.settings, short_article(" Again."), slug="cli-one", editor="ben-cli")
    visitor = desk.client()
    listed = visitor.get("/api/episodes").get_json()["episodes"]
    assert len(listed) == 2
    for episode in listed:
        body = visitor.get(f"/api/episodes/{episode['slug']}").get_data(as_text=True)
        for found in (body, json.dumps(episode)):
            assert '"ana"' not in found and '"ben-cli"' not in found and '"editor"' not in found


def test_names_no_editor_can_have_are_refused_and_throttled_together(desk: Desk) -> None:
    for name in ("ana\x00", "x" * 10_000, "ana\n\x00", " "):  # within the form's size limit
        assert _login(desk, name, PASSWORD) == 401
    assert _login(desk, "\x00", WRONG) == 401
    assert _login(desk, "another\x00", WRONG) == 429  # the sixth try at an impossible name
    assert _login(desk, "ana", PASSWORD) == 302
