"""Outgoing webhooks over real HTTP on loopback: a receiver in this process checks what a real
worker (tests/jobs_worker.py, a Huey consumer) sends for a publish and a correction; a failing
receiver is retried; private addresses are refused by default; a failed job is told.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import audionews.worker
from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.errors import FetchError, InputError
from audionews.publish import jobs, webhooks
from audionews.storage import database, tables
from audionews.vocabulary import WebhookEvent
from editor_helpers import Desk, post_form
from publish_helpers import cli_environ, publish, short_article

pytest_plugins = ["publish_fixtures", "editor_fixtures"]

HERE = Path(__file__).resolve().parent
SECRET = "a-long-enough-test-secret-0123456789"
FIXED = short_article().replace(b"Monday morning", b"Tuesday morning")


class Receiver:
    """A CMS's webhook endpoint: records each POST (headers, raw body) and answers with the
    next status of `statuses` (the last one repeats)."""

    def __init__(self, statuses: tuple[int, ...] = (200,)) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append((dict(self.headers.items()), body))
                    code = (
                        receiver.statuses.pop(0)
                        if len(receiver.statuses) > 1
                        else (receiver.statuses[0])
                    )
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Return the received payloads, checking each signature as a receiver must."""
        payloads = []
        for headers, body in self.received:
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(expected, headers["X-Audionews-Signature"])
            payload = json.loads(body)
            assert headers["X-Audionews-Event"] == payload["event"]
            assert headers["Content-Type"] == "application/json"
            assert uuid.UUID(headers["X-Audionews-Delivery"]).version == 4
            payloads.append(payload)
        return payloads


def _wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


#: Receivers on loopback (as for an intranet CMS), retries fast: for the test and its worker.
LOOPBACK = {"allow_private_urls": True, "webhook_retry_delay_s": 0.1, "webhook_max_attempts": 3}


@pytest.fixture
def loopback(fresh: Settings) -> Settings:
    """Settings that may reach receivers on loopback, retrying fast."""
    return fresh.with_overrides(**LOOPBACK)


@pytest.fixture
def worker(loopback: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process on the settings' queue, with the same settings (a worker runs
    deliveries with its own)."""
    root = loopback.instance_dir.parent
    overrides = [f"{name}={value}" for name, value in LOOPBACK.items()]
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "jobs_worker.py"), str(root), str(loopback.cache_dir), "0",
         *overrides],
        cwd=HERE.parent,
    )  # fmt: skip
    yield proc
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def immediate(loopback: Settings) -> Iterator[Settings]:
    """The queue runs each task at once in this process (deliveries too), with the fake voice."""
    audionews.worker.huey_for(loopback).immediate = True
    jobs.use_synthesizer(FakeSynthesizer)
    yield loopback
    jobs.use_synthesizer(None)


def test_a_publish_and_a_correction_reach_the_receiver_signed(
    loopback: Settings, worker: subprocess.Popen[bytes]
) -> None:
    with Receiver() as receiver:
        webhooks.add_webhook(loopback, receiver.url, secret=SECRET)
        quiet, _ = webhooks.add_webhook(loopback, receiver.url + "?failed", "job.failed")
        first = publish(loopback, short_article()).episode  # as the CLI does: queued only
        second = pipeline.correct(
            first.slug, FIXED, loopback, note="Tuesday.", synthesizer=FakeSynthesizer()
        ).episode
        _wait_for(lambda: len(receiver.received) >= 2)
        time.sleep(0.2)  # nothing else arrives (the job.failed-only hook is not told)
        payloads = receiver.verified(SECRET)
    assert [p["event"] for p in payloads] == ["episode.published", "revision.published"]
    for payload, episode in zip(payloads, (first, second), strict=True):
        assert payload["slug"] == episode.slug and payload["guid"] == episode.guid
        assert payload["revision"] == episode.revision
        assert payload["enclosure_url"] == episode.mp3.url
        assert payload["duration_s"] == round(episode.duration_s, 3)
        assert payload["page_url"] == episode.page_url
    assert payloads[1]["kind"] == "correction" and first.guid == second.guid
    ids = {h["X-Audionews-Delivery"] for h, _b in receiver.received}
    assert len(ids) == 2
    log = webhooks.deliveries(loopback)
    assert {(d.id, d.state, d.status_code, d.attempts) for d in log} == {
        (i, "delivered", 200, 1) for i in ids
    }
    assert webhooks.deliveries(loopback, webhook_id=quiet.id) == []


def test_a_failing_receiver_is_retried_and_the_log_counts_attempts(
    loopback: Settings, worker: subprocess.Popen[bytes]
) -> None:
    with Receiver((500, 200)) as flaky, Receiver((503,)) as down:
        good, _ = webhooks.add_webhook(loopback, flaky.url, "episode.published", SECRET)
        bad, _ = webhooks.add_webhook(loopback, down.url, "episode.published", SECRET)
        publish(loopback, short_article())

        def finished() -> bool:
            return (
                all(d.finished for d in webhooks.deliveries(loopback))
                and len(webhooks.deliveries(loopback)) == 2
            )

        _wait_for(finished)
        (retried,) = webhooks.deliveries(loopback, webhook_id=good.id)
        (failed,) = webhooks.deliveries(loopback, webhook_id=bad.id)
        flaky.verified(SECRET)
    assert (retried.state, retried.status_code, retried.attempts) == ("delivered", 200, 2)
    assert retried.error == ""
    # the same delivery, sent twice with the same id and the same bytes
    (first_headers, first_body), (again_headers, again_body) = flaky.received
    assert first_headers["X-Audionews-Delivery"] == again_headers["X-Audionews-Delivery"]
    assert first_body == again_body
    assert (failed.state, failed.status_code, failed.attempts) == ("failed", 503, 3)
    assert "answered 503" in failed.error and len(down.received) == 3
    # and the CLI shows both
    result = CliRunner().invoke(main, ["webhooks", "log"], env=cli_environ(loopback))
    assert result.exit_code == 0, result.output
    assert "delivered\t200\t2/3 attempt(s)" in result.output
    assert "failed\t" in result.output and "3/3 attempt(s)" in result.output
    listed = CliRunner().invoke(main, ["webhooks", "list"], env=cli_environ(loopback))
    assert f"{good.id}\t{flaky.url}\tepisode.published\tlast delivery: delivered" in listed.output


def test_private_addresses_are_refused_by_default(fresh: Settings) -> None:
    with Receiver() as receiver:
        with pytest.raises(FetchError, match="loopback address"):
            webhooks.add_webhook(fresh, receiver.url)  # an address literal: refused at once
        named = receiver.url.replace("127.0.0.1", "localhost")
        hook, _ = webhooks.add_webhook(fresh, named, secret=SECRET)  # a name: checked when sent
        audionews.worker.huey_for(fresh).immediate = True  # deliver in this process, now
        publish(fresh, short_article())
        (delivery,) = webhooks.deliveries(fresh, webhook_id=hook.id)
    assert receiver.received == []
    assert delivery.state == "retrying" and delivery.attempts == 1
    assert "refused" in delivery.error and "allow_private_urls" in delivery.error


def test_a_failed_job_is_told_with_its_error_line(immediate: Settings) -> None:
    with Receiver() as receiver:
        webhooks.add_webhook(immediate, receiver.url, "job.failed", SECRET)
        jobs.submit(immediate, "publish", source=short_article())  # published: not told
        job = jobs.submit(immediate, "regenerate", slug="no-such-episode")
        (payload,) = receiver.verified(SECRET)
    assert job.state == "failed"
    assert payload["event"] == "job.failed" and payload["job"] == job.id
    assert payload["error"] == job.message and "no published episode" in payload["error"]
    assert payload["slug"] == "no-such-episode" and payload["guid"] is None
    assert payload["action"] == "regenerate"


def test_a_failed_job_of_a_published_episode_says_what_is_known(immediate: Settings) -> None:
    episode = publish(immediate, short_article()).episode
    with Receiver() as receiver:
        webhooks.add_webhook(immediate, receiver.url, [str(WebhookEvent.JOB_FAILED)], SECRET)
        job = jobs.submit(immediate, "rollback", slug=episode.slug, revision=9)  # no such one
        (payload,) = receiver.verified(SECRET)
    assert job.state == "failed" and payload["error"] == job.message
    assert payload["guid"] == episode.guid and payload["enclosure_url"] == episode.mp3.url


def test_the_cli_manages_webhooks_and_never_lists_secrets(fresh: Settings) -> None:
    env = cli_environ(fresh)
    runner = CliRunner()
    added = runner.invoke(main, ["webhooks", "add", "https://cms.example/hook"], env=env)
    assert added.exit_code == 0, added.output
    secret = added.output.split("shown once, keep it for checking signatures): ")[1].strip()
    assert len(secret) >= webhooks.MIN_SECRET_CHARS
    given = runner.invoke(
        main,
        [
            "webhooks",
            "add",
            "https://other.example/h",
            "--events",
            "job.failed",
            "--secret",
            SECRET,
        ],
        env=env,
    )
    assert given.exit_code == 0 and SECRET not in given.output
    for args in (["webhooks", "list"], ["webhooks", "list", "--json"]):
        listed = runner.invoke(main, args, env=env)
        assert listed.exit_code == 0 and "cms.example" in listed.output
        assert secret not in listed.output and SECRET not in listed.output
    assert json.loads(runner.invoke(main, ["webhooks", "list", "--json"], env=env).output)[1][
        "events"
    ] == ["job.failed"]
    bad = runner.invoke(
        main, ["webhooks", "add", "https://x.example/", "--events", "episode.done"], env=env
    )
    assert bad.exit_code == 2
    assert "unknown event 'episode.done': use one or more of episode.published" in bad.output
    private = runner.invoke(main, ["webhooks", "add", "http://10.0.0.8/hook"], env=env)
    assert private.exit_code == 2 and "private address" in private.output
    removed = runner.invoke(main, ["webhooks", "remove", "1"], env=env)
    assert removed.exit_code == 0 and "removed webhook 1" in removed.output
    missing = runner.invoke(main, ["webhooks", "remove", "1"], env=env)
    assert missing.exit_code == 2 and "no webhook '1'" in missing.output
    assert [w.url for w in webhooks.list_webhooks(fresh)] == ["https://other.example/h"]


def test_bad_webhook_input_says_the_fix() -> None:
    with pytest.raises(InputError, match="at least 16 characters"):
        webhooks.check_secret("short")
    with pytest.raises(InputError, match="one line"):
        webhooks.check_secret(" spaced secret with padding ")
    assert webhooks.parse_events("job.failed, episode.published") == (
        WebhookEvent.EPISODE_PUBLISHED,
        WebhookEvent.JOB_FAILED,
    )
    assert webhooks.parse_events("") == tuple(WebhookEvent)


def test_the_signature_is_githubs_scheme() -> None:
    # the example from GitHub's "Validating webhook deliveries"
    assert webhooks.sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_the_editor_adds_lists_and_removes_webhooks(desk: Desk) -> None:
    client = desk.login()
    page = client.get("/editor/webhooks")
    assert page.status_code == 200 and "No webhooks yet." in page.get_data(as_text=True)
    bad = post_form(
        client,
        "/editor/webhooks",
        {"url": "http://192.168.1.5/hook", "secret": "short"},  # no event ticked
    )
    html = bad.get_data(as_text=True)  # type: ignore[attr-defined]
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "<title>Error: Webhooks" in html and 'class="error-summary"' in html
    for field in ("url", "events", "secret"):
        assert f'<a href="#{field}">' in html and f'id="{field}-error"' in html
    assert "private address" in html and "Choose at least one event" in html
    good = post_form(
        client,
        "/editor/webhooks",
        {"url": "https://cms.example/hook", "events": ["episode.published", "job.failed"]},
    )
    html = good.get_data(as_text=True)  # type: ignore[attr-defined]
    assert good.status_code == 200 and "shown only this once" in html  # type: ignore[attr-defined]
    (hook,) = webhooks.list_webhooks(desk.settings)
    with database.session(desk.settings) as s:
        row = s.get(tables.Webhook, hook.id)
        assert row is not None
        secret = row.secret
    assert f"<code>{secret}</code>" in html and hook.events == (
        WebhookEvent.EPISODE_PUBLISHED,
        WebhookEvent.JOB_FAILED,
    )
    listed = client.get("/editor/webhooks").get_data(as_text=True)
    assert "https://cms.example/hook" in listed and secret not in listed
    assert 'role="region" aria-labelledby="hooks-title" tabindex="0"' in listed
    again = post_form(
        client, "/editor/webhooks", {"url": "https://cms.example/hook", "events": "job.failed"}
    )
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "exists: remove it first" in again.get_data(as_text=True)  # type: ignore[attr-defined]
    gone = post_form(client, "/editor/webhooks", {}, action=f"/editor/webhooks/{hook.id}/remove")
    assert gone.status_code == 303 and webhooks.list_webhooks(desk.settings) == []  # type: ignore[attr-defined]
    assert client.post(f"/editor/webhooks/{hook.id}/remove").status_code == 400  # no CSRF token
    assert desk.client().get("/editor/webhooks").status_code == 302  # login first


def test_deliveries_a_dead_worker_lost_are_sent_once(loopback: Settings) -> None:
    from datetime import timedelta

    with Receiver() as receiver:
        webhooks.add_webhook(loopback, receiver.url, "episode.published", SECRET)
        publish(loopback, short_article())  # queued; no worker takes it
        (queued,) = webhooks.deliveries(loopback)
        long_ago = webhooks._now() - timedelta(seconds=webhooks.SENDING_STALE_S + 1)
        with database.session(loopback) as s:  # as a worker killed mid-request leaves it
            row = s.get(tables.WebhookDelivery, queued.id)
            assert row is not None
            row.state, row.attempts, row.last_attempt = "sending", 1, long_ago
        assert webhooks.deliver(loopback, queued.id) is None  # claimed: not sent again
        audionews.worker.huey_for(loopback).immediate = True
        assert webhooks.recover_deliveries(loopback) == [queued.id]
        assert webhooks.recover_deliveries(loopback) == []  # delivered now: nothing lost
        assert webhooks.deliver(loopback, queued.id) is None  # finished: never sent twice
        (done,) = webhooks.deliveries(loopback)
        assert len(receiver.verified(SECRET)) == 1
    assert (done.state, done.attempts, done.status_code) == ("delivered", 2, 200)


def test_a_job_failed_by_recovery_is_told(immediate: Settings) -> None:
    import os
    import socket

    with Receiver() as receiver:
        webhooks.add_webhook(immediate, receiver.url, "job.failed", SECRET)
        job = jobs.submit(immediate, "publish", source=short_article())
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        with database.session(immediate) as s:  # its worker died on the last attempt
            row = s.get(tables.Job, job.id)
            assert row is not None
            row.state, row.attempts, row.pid = "running", jobs.MAX_ATTEMPTS, gone.pid
            row.host, row.heartbeat = socket.gethostname(), time.time()
        assert gone.pid != os.getpid() and jobs.get_job(immediate, job.id).state == "failed"
        (payload,) = receiver.verified(SECRET)
    assert payload["job"] == job.id and "the worker stopped" in payload["error"]
    assert payload["revision"] == 1  # the episode its first attempt published


def test_the_readme_documents_every_event_and_the_settings_are_checked() -> None:
    from audionews.config import load_settings
    from audionews.errors import ConfigError

    readme = (HERE.parent / "README.md").read_text(encoding="utf-8")
    for event in WebhookEvent:
        assert f"| `{event}` |" in readme, f"README's events table lacks {event}"
    with pytest.raises(ConfigError, match="webhook_max_attempts must be 1 or more"):
        load_settings(Path("/nonexistent.toml"), {"AUDIONEWS_WEBHOOK_MAX_ATTEMPTS": "0"})
    with pytest.raises(ConfigError, match="webhook_retry_delay_s must be 0 or more"):
        load_settings(Path("/nonexistent.toml"), {"AUDIONEWS_WEBHOOK_RETRY_DELAY_S": "-1"})
