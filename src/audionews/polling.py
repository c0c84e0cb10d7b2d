"""Poll followed sites: publish their new articles, re-publish the ones that change.

    report = poll(settings, source_id)   # one source, once
    run_once(settings)                   # every source, now: `audionews follow run --once`
    run_due(settings)                    # the sources due a poll: what the worker does

Above publishing, beside pipeline.py: a poll fetches pages and publishes them through the
pipeline. The sources, their items, the feeds' reading and the logs editors read are
publish/follow.py's (see its docstring for what a poll compares and records).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from audionews import pipeline
from audionews.config import Settings
from audionews.errors import AudionewsError, FetchError
from audionews.models import SegmentKind
from audionews.publish import follow
from audionews.publish.follow import FeedItem, PollReport
from audionews.publish.library import Library
from audionews.vocabulary import InputFormat, RevisionKind

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer
    from audionews.storage import tables


def fingerprint(data: bytes, settings: Settings) -> str:
    """Return a hash of what a listener hears of the article in `data` (an HTML page).

    The speech of the article's own sentences: announcements and the closing, which come from
    settings and not from the page, are left out, so a changed setting is no article update.
    """
    script = pipeline.make_script(data, settings, source_format=InputFormat.HTML)
    spoken = [
        sentence.speech
        for chapter in script.chapters
        for segment in chapter.segments
        if segment.kind not in (SegmentKind.ANNOUNCEMENT, SegmentKind.CLOSING)
        for sentence in segment.sentences
    ]
    return hashlib.sha256("\n".join(spoken).encode("utf-8")).hexdigest()


def update_note(settings: Settings, when: datetime) -> str:
    """Return the spoken note of an automatic update (announcement "follow.updated")."""
    from audionews.speech.plan import wording

    return wording(settings)["follow.updated"].format(date=f"{when:%-d %B %Y}")


def poll(
    settings: Settings, source_id: int, *, synthesizer: Synthesizer | None = None
) -> PollReport:
    """Poll one source once: publish new items, re-publish changed recent ones, log it all."""
    source = follow.source_row(settings, source_id)
    report = PollReport(source_id)
    try:
        answer = follow.read_feed(
            source.url, settings, etag=source.etag, last_modified=source.last_modified
        )
    except AudionewsError as exc:
        report.failed.append(f"{source.url}: {exc}")
        follow.finish_poll(settings, source, report, None, f"the feed could not be read: {exc}")
        return report
    report.feed_not_modified = answer.items is None
    known = follow.known_items(settings, source_id)
    if answer.items is not None:
        report.seen = len(answer.items)
        for item in answer.items:
            row = known.get(item.url)
            if row is None or row.state == "failed":
                _publish_new(settings, source, item, row, report, synthesizer)
    fresh = set(report.published)
    for row in known.values():
        if follow.is_recent(row, settings) and row.url not in fresh:
            _recheck(settings, row, report, synthesizer)
    follow.finish_poll(settings, source, report, answer, report.message)
    return report


def _publish_new(
    settings: Settings,
    source: tables.FollowSource,
    item: FeedItem,
    row: tables.FollowItem | None,
    report: PollReport,
    synthesizer: Synthesizer | None,
) -> None:
    """Fetch a new item's page and publish it; record the item either way."""
    values: dict[str, Any]
    try:
        fetched = pipeline.fetch_article(item.url, settings)
        result = pipeline.publish(
            fetched.data,
            settings,
            source_format=InputFormat.HTML,
            category=item.category or source.category or None,
            editor="follow",
            link=fetched.link,
            synthesizer=synthesizer,
        )
        values = {
            "state": "published", "slug": result.episode.slug, "etag": fetched.etag,
            "last_modified": fetched.last_modified, "message": "",
            "fingerprint": fingerprint(fetched.data, settings),
        }  # fmt: skip
        report.published.append(item.url)
        event = ("published", result.episode.slug, result.message)
    except AudionewsError as exc:
        values = {"state": "failed", "message": str(exc)}
        report.failed.append(f"{item.url}: {exc}")
        event = ("failed", "", str(exc))
    follow.record_new_item(settings, source.id, item.url, row, values, event)


def _recheck(
    settings: Settings,
    row: tables.FollowItem,
    report: PollReport,
    synthesizer: Synthesizer | None,
) -> None:
    """Fetch a recent item's page again (conditionally); publish an update if what a listener
    hears of it changed; log a page that is gone."""
    episode = Library(settings).find(row.slug)
    if episode is None or not episode.is_published:
        return  # an editor unpublished it: following never brings it back
    values: dict[str, Any] = {}
    event: tuple[str, str] | None = None
    try:
        fetched = pipeline.fetch_changed_article(
            row.url, settings, etag=row.etag, last_modified=row.last_modified
        )
        if row.state == "gone":
            values |= {"state": "published", "message": ""}
        if fetched is not None:
            values |= {"etag": fetched.etag, "last_modified": fetched.last_modified}
            heard = fingerprint(fetched.data, settings)
            if heard != row.fingerprint:
                result = pipeline.publish(
                    fetched.data,
                    settings,
                    source_format=InputFormat.HTML,
                    slug=row.slug,
                    kind=RevisionKind.UPDATE,
                    note=update_note(settings, datetime.now(UTC)),
                    editor="follow",
                    link=fetched.link,
                    synthesizer=synthesizer,
                )
                values["fingerprint"] = heard
                report.updated.append(row.url)
                event = ("updated", result.message)
    except FetchError as exc:
        if exc.status in follow.GONE_STATUSES:
            report.gone.append(row.url)
            if row.state != "gone":  # said once, not at every poll
                event = ("gone", f"{exc} (still published: check it, unpublish it if needed)")
            values |= {"state": "gone", "message": str(exc)}
        else:
            report.failed.append(f"{row.url}: {exc}")
            event = ("failed", str(exc))
    except AudionewsError as exc:
        report.failed.append(f"{row.url}: {exc}")
        event = ("failed", str(exc))
    follow.record_recheck(settings, row, values, event)


def run_once(settings: Settings, *, synthesizer: Synthesizer | None = None) -> list[PollReport]:
    """Poll every followed source once, now (`audionews follow run --once`)."""
    return [poll(settings, s.id, synthesizer=synthesizer) for s in follow.list_sources(settings)]


def run_due(settings: Settings, *, synthesizer: Synthesizer | None = None) -> list[PollReport]:
    """Poll the sources whose interval has passed, each claimed first so two workers never
    poll one source at once."""
    return [poll(settings, i, synthesizer=synthesizer) for i in follow.claim_due(settings)]
