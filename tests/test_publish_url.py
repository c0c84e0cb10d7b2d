"""Publishing from a URL: the CLI, the job queue, the token API and the editor's form fetch a
real page from a real server on loopback (allow_private_urls = true, as for an intranet CMS);
with the default setting the same addresses are refused and nothing is published.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

import audionews.worker
from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.cli import main
from audionews.config import Settings
from audionews.errors import ConflictError, FetchError
from audionews.publish import accounts, jobs
from audionews.publish.library import Library
from audionews.storage import database as storage
from audionews.storage import tables
from audionews.web import create_app
from editor_helpers import PASSWORD, Desk, post_form
from page_server import PageServer, answer, html, redirect, slow

pytest_plugins = ["publish_fixtures"]

#: The page's canonical path: served at /story, it names this as its own address.
CANONICAL_PATH = "/2026/12/bridge-reopens"
HERE = Path(__file__).resolve().parent


def story(headline: str = "Bridge reopens after repairs", day: str = "Monday") -> str:
    # relative, as CMSs often write it; og:url is only the fallback
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{headline} - Riverside Courier</title>
<link rel="canonical" href="{CANONICAL_PATH}">
<meta property="og:url" content="/og-address">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>{headline}</h1>
<p class="standfirst">The river crossing is open again after six weeks of work.</p>
<p>Traffic returned to the old bridge on {day} morning, the city said in a statement.</p>
<p>Engineers replaced the deck joints and repainted the railings during the closure.</p>
<p>The council thanked residents for their patience while the detour was in place.</p>
</article>
<footer>© Riverside Courier</footer>
</body></html>"""


def canonical(server: PageServer) -> str:
    """Return the address the story page gives as its canonical URL."""
    return server.url(CANONICAL_PATH)


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer("127.0.0.1") as running:
        running.route("/story", html(story()))
        running.route("/short-link", redirect("/story"))
        running.route("/report.pdf", answer(b"%PDF-1.7", "application/pdf"))
        yield running


@pytest.fixture
def intranet(fresh: Settings) -> Settings:
    """Settings that may fetch from loopback, where the test server is."""
    return fresh.with_overrides(allow_private_urls=True)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run `audionews` with given settings and the fake voice."""
    real_publish = pipeline.publish
    monkeypatch.setattr(
        pipeline,
        "publish",
        lambda data, s, **kw: real_publish(data, s, **{**kw, "synthesizer": FakeSynthesizer()}),
    )

    def run(settings: Settings, *args: str) -> Any:
        monkeypatch.setattr("audionews.cli.load_settings", lambda: settings)
        return CliRunner().invoke(main, list(args))

    yield run


# --------------------------------------------------------------------------- the CLI


def test_cli_publishes_a_url_with_its_canonical_link(
    cli: Any, intranet: Settings, server: PageServer
) -> None:
    out = cli(intranet, "publish", server.url("/short-link"), "--json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["action"] == "created"
    episode = result["episode"]
    assert episode["title"] == "Bridge reopens after repairs"
    assert episode["link"] == canonical(server)  # <link rel=canonical> wins over og:url
    view = Library(intranet).get_episode(episode["slug"])
    assert view.link == canonical(server) and view.current.editor == "cli"

    # the feed item and the episode page point at the article's own page
    parsed = feedparser.parse((intranet.feed_dir / "feed.xml").read_bytes())
    assert parsed.entries[0].link == canonical(server)
    assert "Read the article" in parsed.entries[0].content[0].value
    page = create_app(intranet).test_client().get(f"/episodes/{view.slug}/")
    assert f'<a href="{canonical(server)}" data-article-link>Read the article</a>' in page.text
    api = create_app(intranet).test_client().get(f"/api/episodes/{view.slug}")
    assert api.get_json()["link"] == canonical(server)

    # the same page again: nothing to do; changed (even its headline): a revision of it
    out = cli(intranet, "publish", server.url("/story"))
    assert out.exit_code == 0 and "unchanged" in out.output
    server.route("/story", html(story("Old bridge open again", day="Tuesday")))
    out = cli(intranet, "publish", server.url("/story"), "--json")
    assert out.exit_code == 0, out.output
    again = json.loads(out.output)
    assert again["action"] == "revised" and again["episode"]["slug"] == view.slug
    assert again["episode"]["revision"] == 2 and again["episode"]["link"] == canonical(server)
    assert [e.slug for e in Library(intranet).list_episodes()] == [view.slug]


def test_a_new_page_never_revises_another_sources_episode(
    cli: Any, intranet: Settings, server: PageServer, tmp_path: Path
) -> None:
    pasted = tmp_path / "bridge.txt"
    pasted.write_text("Bridge reopens after repairs\n\nA different story, pasted by hand.\n")
    assert cli(intranet, "publish", str(pasted)).exit_code == 0
    out = cli(intranet, "publish", server.url("/story"))
    assert out.exit_code == 2
    # one rule for every new article sent without a slug: the page decides, and this page is
    # not the one the episode came from (its headline is the same)
    assert (
        "the slug 'bridge-reopens-after-repairs' belongs to another article (from another "
        "source: a file or pasted text)" in out.output
    )
    assert "--slug" in out.output and out.output.count("\n") == 1
    assert Library(intranet).get_episode("bridge-reopens-after-repairs").link == ""
    queued = jobs.submit(intranet, "publish", url=server.url("/story"))
    audionews.worker.run_job(intranet, queued.id)
    failed = jobs.get_job(intranet, queued.id)
    assert failed.state == "failed" and "belongs to another article" in failed.message
    assert jobs.slug_reserved_by(intranet, "bridge-reopens-after-repairs") == 0
    out = cli(intranet, "publish", server.url("/story"), "--slug", "bridge-from-the-site")
    assert out.exit_code == 0, out.output
    assert Library(intranet).get_episode("bridge-from-the-site").link == canonical(server)
    assert Library(intranet).get_episode("bridge-reopens-after-repairs").revision == 1


def test_a_file_never_revises_a_pages_episode_without_a_slug(
    cli: Any, intranet: Settings, server: PageServer, tmp_path: Path
) -> None:
    """The same rule the other way round: the episode came from a page, so a pasted text of
    the same headline is another source; --slug says it is meant for that episode."""
    assert cli(intranet, "publish", server.url("/story")).exit_code == 0
    slug = "bridge-reopens-after-repairs"
    pasted = tmp_path / "bridge.txt"
    pasted.write_text("Bridge reopens after repairs\n\nA different story, pasted by hand.\n")
    out = cli(intranet, "publish", str(pasted))
    assert out.exit_code == 2
    assert f"belongs to another article (from another source: {canonical(server)})" in out.output
    assert Library(intranet).get_episode(slug).revision == 1
    out = cli(intranet, "publish", str(pasted), "--slug", slug, "--json")
    assert out.exit_code == 0 and json.loads(out.output)["action"] == "revised", out.output
    assert Library(intranet).get_episode(slug).link == canonical(server)  # kept


def test_a_changed_page_of_an_unpublished_episode_waits_for_republish(
    cli: Any, intranet: Settings, server: PageServer
) -> None:
    slug = "bridge-reopens-after-repairs"
    assert cli(intranet, "publish", server.url("/story")).exit_code == 0
    assert cli(intranet, "unpublish", slug).exit_code == 0
    server.route("/story", html(story(day="Tuesday")))
    out = cli(intranet, "publish", server.url("/story"))
    assert out.exit_code == 2 and f"`audionews republish {slug}`" in out.output, out.output
    queued = jobs.submit(intranet, "publish", url=server.url("/story"))
    jobs.use_synthesizer(FakeSynthesizer)
    try:
        audionews.worker.run_job(intranet, queued.id)
    finally:
        jobs.use_synthesizer(None)
    failed = jobs.get_job(intranet, queued.id)
    assert failed.state == "failed" and "is unpublished" in failed.message
    view = Library(intranet).get_episode(slug, include_withdrawn=True)
    assert not view.is_published and [r.number for r in view.revisions] == [1]
    assert cli(intranet, "republish", slug).exit_code == 0
    out = cli(intranet, "publish", server.url("/story"), "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["episode"]["revision"] == 2


def test_a_url_job_reserves_its_pages_slug_once_it_is_fetched(
    intranet: Settings, server: PageServer
) -> None:
    """Fetched, the page's slug is promised to it like an accepted article's: while the job
    waits for the article, another new article with that headline is refused."""
    slug = "bridge-reopens-after-repairs"
    other = b"Bridge reopens after repairs\n\nAnother bridge, another story.\n"
    queued = jobs.submit(intranet, "publish", url=server.url("/story"))
    assert jobs.slug_reserved_by(intranet, slug) == 0  # not known before the fetch
    worker = threading.Thread(target=audionews.worker.run_job, args=(intranet, queued.id))
    jobs.use_synthesizer(FakeSynthesizer)
    try:
        with jobs.hold_article(intranet, slug):  # the job fetches, then waits for the article
            worker.start()
            deadline = time.monotonic() + 30
            while jobs.slug_reserved_by(intranet, slug) != queued.id:
                assert time.monotonic() < deadline, jobs.get_job(intranet, queued.id).message
                time.sleep(0.05)
            with pytest.raises(ConflictError, match="accepted moments ago"):
                jobs.submit(intranet, "publish", source=other, new_only=True)
            with pytest.raises(ConflictError, match="reserved for a new article"):
                pipeline.publish(other, intranet, synthesizer=FakeSynthesizer())
            assert Library(intranet).find(slug) is None  # the job waits for the article
        worker.join(60)
    finally:
        jobs.use_synthesizer(None)
    done = jobs.get_job(intranet, queued.id)
    assert done.state == "published" and done.slug == slug, done.message
    assert Library(intranet).get_episode(slug).link == canonical(server)
    assert jobs.slug_reserved_by(intranet, slug) == 0  # the episode holds the slug now


def test_cli_refuses_internal_addresses_by_default(
    cli: Any, fresh: Settings, server: PageServer
) -> None:
    for url in (server.url("/story"), server.url("/story", host="localhost")):
        out = cli(fresh, "publish", url)
        assert out.exit_code == 2, out.output
        [line] = out.output.strip().splitlines()
        assert line.startswith("audionews: error: refused to fetch from")
        assert "allow_private_urls = true" in line
    assert server.requests == []
    assert Library(fresh).list_episodes() == []
    assert not (fresh.feed_dir / "episodes").exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/missing", "answered 404 Not Found: there is no page at this address"),
        ("/report.pdf", "is not an HTML page (application/pdf)"),
    ],
)
def test_cli_failures_are_one_line_and_keep_the_published_audio(
    cli: Any, intranet: Settings, server: PageServer, path: str, expected: str
) -> None:
    first = json.loads(cli(intranet, "publish", server.url("/story"), "--json").output)
    mp3 = (
        intranet.feed_dir
        / "episodes"
        / first["episode"]["slug"]
        / first["episode"]["files"]["mp3"]["url"].rsplit("/", 1)[1]
    )
    assert mp3.is_file()
    broken = {"/missing": answer(b"<h1>Not here</h1>", code=404)}
    server.route("/story", broken.get(path) or server.routes[path])
    out = cli(intranet, "publish", server.url("/story"))
    assert out.exit_code == 2
    lines = out.output.strip().splitlines()
    assert len(lines) == 1, out.output
    assert lines[0].startswith("audionews: error: ") and expected in lines[0]
    assert mp3.is_file()
    assert Library(intranet).get_episode(first["episode"]["slug"]).revision == 1


def test_cli_format_and_missing_files(cli: Any, intranet: Settings, tmp_path: Path) -> None:
    out = cli(intranet, "publish", "https://news.example/story", "--format", "text")
    assert out.exit_code == 2 and "a URL is read as an HTML page" in out.output
    out = cli(intranet, "publish", str(tmp_path / "missing.txt"))
    assert out.exit_code == 2 and "cannot read" in out.output
    out = cli(intranet, "publish", "ftp://news.example/story")
    assert out.exit_code == 2 and "only http:// and https://" in out.output


# --------------------------------------------------------------------------- the job queue


def test_a_url_job_carries_the_url_and_the_worker_fetches(
    intranet: Settings, server: PageServer
) -> None:
    queued = jobs.submit(intranet, "publish", url=server.url("/story"), editor="ana")
    # queued, not run (no worker in this test): nothing was fetched by the request
    assert (queued.state, queued.slug, queued.url) == ("queued", "", server.url("/story"))
    assert server.requests == []
    with storage.session(intranet) as s:
        row = s.get(tables.Job, queued.id)
        assert row is not None and row.source == b"" and row.source_url == server.url("/story")
    jobs.use_synthesizer(FakeSynthesizer)
    try:
        audionews.worker.run_job(intranet, queued.id)  # what the worker does with the message
    finally:
        jobs.use_synthesizer(None)
    done = jobs.get_job(intranet, queued.id)
    assert done.state == "published", done.message
    assert done.slug == "bridge-reopens-after-repairs" and done.link == canonical(server)
    assert done.to_dict()["url"] == server.url("/story")
    assert Library(intranet).get_episode(done.slug).link == canonical(server)


def test_a_url_job_that_cannot_fetch_fails_with_the_reason(
    intranet: Settings, fresh: Settings, server: PageServer
) -> None:
    audionews.worker.huey_for(intranet).immediate = True
    try:
        failed = jobs.submit(intranet, "publish", url=server.url("/missing"))
    finally:
        audionews.worker.huey_for(intranet).immediate = False
    assert failed.state == "failed" and "answered 404" in failed.message
    # an address literal is refused when the job is submitted; a name when it is fetched
    with pytest.raises(FetchError, match="loopback"):
        jobs.submit(fresh, "publish", url=server.url("/story"))
    with pytest.raises(FetchError, match="only http"):
        jobs.submit(fresh, "publish", url="file:///etc/passwd")
    assert server.requests == [("/missing", f"127.0.0.1:{server.port}", "")]


def test_the_api_answers_before_a_slow_page_and_a_real_worker_fetches_it(
    intranet: Settings, server: PageServer
) -> None:
    settings = intranet  # the worker runs with its own settings: they allow intranet pages too
    headers = {"Authorization": f"Bearer {accounts.add_token(settings, 'cms')}"}
    server.route("/slow-story", slow(2.0, html(story())))
    client = create_app(settings).test_client()
    started = time.monotonic()
    created = client.post(
        "/api/v1/articles", headers=headers, json={"url": server.url("/slow-story", "localhost")}
    )
    assert created.status_code == 202 and time.monotonic() - started < 1.0
    assert created.get_json()["state"] == "queued" and server.requests == []
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "jobs_worker.py"), str(settings.instance_dir.parent),
         str(settings.cache_dir), "0", "allow_private_urls=true"],
        cwd=HERE.parent,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (job := jobs.get_job(settings, created.get_json()["id"])).finished:
            assert time.monotonic() < deadline, "the worker did not finish the job"
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(10)
    assert job.state == "published", job.message
    assert job.link == server.url(CANONICAL_PATH, "localhost")
    assert [path for path, _host, _sni in server.requests] == ["/slow-story"]


# --------------------------------------------------------------------------- API and editor


@pytest.fixture
def newsroom(intranet: Settings, tmp_path: Path) -> Iterator[Desk]:
    """An app whose jobs run at once with the fake voice, allowed to fetch from loopback."""
    settings = intranet.with_overrides(cache_dir=tmp_path / "own-clips")
    accounts.add_editor(settings, "ana", PASSWORD)
    audionews.worker.huey_for(settings).immediate = True
    desk = Desk(settings, create_app(settings))
    jobs.use_synthesizer(lambda: desk.voice)
    yield desk
    jobs.use_synthesizer(None)
    audionews.worker.huey_for(settings).immediate = False


def test_api_publishes_from_a_url(newsroom: Desk, server: PageServer) -> None:
    headers = {"Authorization": f"Bearer {accounts.add_token(newsroom.settings, 'cms')}"}
    client = newsroom.client()
    created = client.post("/api/v1/articles", headers=headers, json={"url": server.url("/story")})
    assert created.status_code == 202, created.get_json()
    job = client.get(created.headers["Location"], headers=headers).get_json()
    assert job["state"] == "published" and job["link"] == canonical(server), job
    assert job["editor"] == "api:cms"
    bad = {
        "file:///etc/passwd": 422,
        "http://169.254.169.254/latest/": 422,
    }
    newsroom_default = newsroom.settings.with_overrides(allow_private_urls=False)
    strict = create_app(newsroom_default).test_client()
    for url, status in bad.items():
        answer_ = strict.post("/api/v1/articles", headers=headers, json={"url": url})
        assert answer_.status_code == status and answer_.is_json, answer_.get_data(as_text=True)
    refusals = [
        ({"url": 5}, 400, "field 'url' must be a string, not a number"),
        ({"url": server.url("/story"), "text": "x"}, 400, "field 'text' is not a field"),
        ({"url": server.url("/story"), "format": "html"}, 400, "field 'format' is not a field"),
        ({"url": " "}, 422, "is not a web address"),
    ]
    for body, status, message in refusals:
        refused = client.post("/api/v1/articles", headers=headers, json=body)
        assert refused.status_code == status and message in refused.get_json()["error"], body


def test_editor_new_article_form_takes_a_url(newsroom: Desk, server: PageServer) -> None:
    client = newsroom.login()
    form = client.get("/editor/new").get_data(as_text=True)
    assert '<label for="url">Web address of the article</label>' in form
    done = post_form(client, "/editor/new", {"url": server.url("/story"), "text": ""})
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = client.get(done.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "published" in page and server.url("/story") in page and canonical(server) in page
    # a page that turns out not to be HTML fails its job, with the reason on the job's page
    queued = post_form(client, "/editor/new", {"url": server.url("/report.pdf")})
    page = client.get(queued.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "failed" in page and "is not an HTML page (application/pdf)" in page
    # what can be refused at once is refused on the form, tied to the field
    refused = post_form(client, "/editor/new", {"url": "ftp://news.example/story"})
    text = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert 'id="url-error"' in text and "only http:// and https://" in text
    assert 'aria-describedby="url-hint url-error" aria-invalid="true"' in text
    both = post_form(client, "/editor/new", {"url": server.url("/story"), "text": "Some text"})
    assert both.status_code == 400  # type: ignore[attr-defined]
    assert "not both" in both.get_data(as_text=True)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- older databases


def test_a_database_from_before_links_gets_the_new_columns(fresh: Settings, tmp_path: Path) -> None:
    from publish_helpers import publish, short_article

    slug = publish(fresh, short_article()).episode.slug
    jobs.submit(fresh, "publish", source=short_article(), editor="ana")
    db_file = fresh.instance_dir / "audionews.db"
    storage.forget_engines()  # as a new process would
    with sqlite3.connect(db_file) as db:
        db.execute("DROP TABLE alembic_version")  # as made before migrations,
        db.execute("DROP TABLE webhooks")  # which had no webhooks, follows or shared values
        db.execute("DROP TABLE shared_values")
        db.execute("DROP TABLE webhook_deliveries")
        for table in ("follow_sources", "follow_items", "follow_events"):
            db.execute(f"DROP TABLE {table}")
        db.execute("ALTER TABLE episodes DROP COLUMN link")
        db.execute("ALTER TABLE revisions DROP COLUMN gain_db")
        db.execute("ALTER TABLE jobs DROP COLUMN source_url")
        db.execute("ALTER TABLE jobs DROP COLUMN link")
    view = Library(fresh).get_episode(slug)
    assert view.link == "" and view.title
    assert jobs.list_jobs(fresh)[0].url == ""
    with sqlite3.connect(db_file) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    assert {"source_url", "link"} <= columns
