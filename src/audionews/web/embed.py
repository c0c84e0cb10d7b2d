"""The player for other sites: /embed/<slug> in an iframe, and oEmbed (/oembed) to find it.

/embed/<slug> is the episode page's player in its compact layout (the same templates, CSS and
player.js, see templates/player/_player.html), for a newsroom's article page. Sites listed in
the `embed_origins` setting may frame it: the page sends them as CSP frame-ancestors, with a
policy that lets it load nothing from anywhere but this server.

/oembed answers the oEmbed 1.0 spec (https://oembed.com/): a "rich" response whose html is the
iframe, in JSON or XML; maxwidth and maxheight are obeyed; a URL that is not one of our
episodes is 404, a format we do not write 501. Episode pages link to it (discovery), so a CMS
that understands oEmbed (WordPress does) turns a pasted episode address into the player.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, request, url_for
from markupsafe import Markup

from audionews.config import Settings
from audionews.errors import AudionewsError, NotFoundError
from audionews.publish.library import EpisodeView
from audionews.web import context
from audionews.web.player import UI_LANGUAGE, episode_or_404, page_globals, read_transcript
from audionews.web.player import render_page as render_player_page

embed = Blueprint("embed", __name__)
embed.context_processor(page_globals)

#: The iframe's size when the consumer sets no maximum: the controls in one column of a news
#: article (640 px is a common body width) with room below them for the chapters or the
#: transcript, which scroll inside the frame.
EMBED_WIDTH = 640
EMBED_HEIGHT = 400
#: Below this width the controls wrap onto more rows, so a frame that narrow is made taller.
NARROW_WIDTH = 480
NARROW_HEIGHT = 560
#: How long (seconds) a consumer may keep an oEmbed answer: the iframe's address never changes,
#: only its title after a correction.
OEMBED_CACHE_AGE = 3600
OEMBED_VERSION = "1.0"
#: Episode addresses a consumer may ask about, below the public URL's own path.
_EPISODE_PATHS = (
    re.compile(r"/episodes/(?P<slug>[^/]+)/?"),
    re.compile(r"/embed/(?P<slug>[^/]+)/?"),
)
#: The embed loads only this server's script, styles, audio and tracks (no third party).
_EMBED_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
)


class OEmbedError(AudionewsError, ValueError):
    """A request /oembed cannot answer; `http_status` is the spec's status for it (400, 404,
    501). /oembed answers it itself, in JSON whatever the request accepts."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass(frozen=True)
class EmbedSize:
    width: int
    height: int


# --------------------------------------------------------------------------- pure parts


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """Return the CSP frame-ancestors directive for `origins` ('none' when there are none)."""
    return "frame-ancestors " + (" ".join(origins) if origins else "'none'")


def embed_policy(origins: tuple[str, ...]) -> str:
    """Return the embed page's whole Content-Security-Policy."""
    return f"{_EMBED_POLICY}; {frame_ancestors(origins)}"


def _pixels(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise OEmbedError(400, f"{name} must be a whole number of pixels above 0, not {value!r}")
    return int(value)


def embed_size(maxwidth: str | None = None, maxheight: str | None = None) -> EmbedSize:
    """Return the iframe's size within the consumer's maxwidth and maxheight (spec 2.2).

    The page reflows down to 320 px and scrolls inside the frame when it is short, so any
    maximum is obeyed rather than refused.
    """
    most_wide = _pixels("maxwidth", maxwidth)
    most_high = _pixels("maxheight", maxheight)
    width = min(EMBED_WIDTH, most_wide) if most_wide else EMBED_WIDTH
    height = EMBED_HEIGHT if width >= NARROW_WIDTH else NARROW_HEIGHT
    return EmbedSize(width=width, height=min(height, most_high) if most_high else height)


def _base(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def embed_url(settings: Settings, slug: str) -> str:
    """Return the absolute address of an episode's embeddable player."""
    return f"{_base(settings)}/embed/{slug}"


def oembed_url(settings: Settings, episode: EpisodeView, format: str) -> str:
    """Return the oEmbed discovery address of an episode's page in `format` (json, xml)."""
    return f"{_base(settings)}/oembed?" + urlencode({"url": episode.page_url, "format": format})


def slug_from_url(settings: Settings, url: str, host: str = "", root: str = "") -> str:
    """Return the slug of the episode that `url` names, or raise OEmbedError(404).

    `url` is an episode page or embed address below the public URL, or below `root` at `host`
    (where the request came to: the server's own address); a query or fragment (tracking tags)
    is ignored.
    """
    public = urlsplit(_base(settings))
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = None
    # The public URL's path wins where the request's host is the public one (a proxy that
    # strips the path without saying so).
    roots = {host.lower(): root.rstrip("/"), public.netloc.lower(): public.path}
    prefix = roots.get(parts.netloc.lower()) if parts and parts.netloc else None
    if parts is None or parts.scheme not in ("http", "https") or prefix is None:
        raise OEmbedError(404, f"{url!r} is not an episode of this site")
    if parts.path.startswith(prefix + "/"):
        path = parts.path[len(prefix) :]
        for pattern in _EPISODE_PATHS:
            match = pattern.fullmatch(path)
            if match:
                return match["slug"]
    raise OEmbedError(404, f"{url!r} is not an episode of this site")


def embed_code(settings: Settings, episode: EpisodeView, size: EmbedSize | None = None) -> str:
    """Return the <iframe> a site pastes to show the episode's player (oEmbed's html)."""
    size = size or embed_size()
    # A frame title names what it holds (WCAG 4.1.2); the style only undoes the default border
    # and keeps the frame inside a narrow column.
    return str(
        Markup(
            '<iframe src="{src}" width="{width}" height="{height}" title="{title}" '
            'style="border:0;max-width:100%" loading="lazy"></iframe>'
        ).format(
            src=embed_url(settings, episode.slug),
            width=size.width,
            height=size.height,
            title=f"Audio player: {episode.title}",
        )
    )


def oembed_response(settings: Settings, episode: EpisodeView, size: EmbedSize) -> dict[str, object]:
    """Return the oEmbed 1.0 "rich" response for an episode (type, version, html, width,
    height are required; the rest helps a CMS show where the player comes from)."""
    return {
        "type": "rich",
        "version": OEMBED_VERSION,
        "title": episode.title,
        "author_name": episode.byline or settings.publication,
        "provider_name": settings.feed_title,
        "provider_url": _base(settings) + "/",
        "cache_age": OEMBED_CACHE_AGE,
        "html": embed_code(settings, episode, size),
        "width": size.width,
        "height": size.height,
    }


def oembed_xml(response: Mapping[str, object]) -> str:
    """Return an oEmbed response as the spec's XML: <oembed> with one element per field."""
    root = ET.Element("oembed")
    for name, value in response.items():
        ET.SubElement(root, name).text = str(value)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n' + body + "\n"


def _json_body(response: Mapping[str, object]) -> Response:
    return jsonify(response)


def _xml_body(response: Mapping[str, object]) -> Response:
    return Response(oembed_xml(response), content_type="text/xml; charset=utf-8")


#: The formats /oembed writes and how; any other `format` is 501, as the spec says.
OEMBED_FORMATS: dict[str, Callable[[Mapping[str, object]], Response]] = {
    "json": _json_body,
    "xml": _xml_body,
}


# --------------------------------------------------------------------------- views


@embed.app_template_global("embed_code")
def _embed_code_global(episode: EpisodeView) -> str:
    """The episode page's "copy embed code" text; empty while embedding is off."""
    settings = context.settings()
    return embed_code(settings, episode) if settings.embed_origins else ""


@embed.app_template_global("oembed_url")
def _oembed_url_global(episode: EpisodeView, format: str) -> str:
    """The episode page's oEmbed discovery address; empty while embedding is off."""
    settings = context.settings()
    return oembed_url(settings, episode, format) if settings.embed_origins else ""


@embed.app_template_global("embed_sites")
def _embed_sites_global() -> tuple[str, ...]:
    """The sites that may frame the player, for the episode page; empty when any site may."""
    origins = context.settings().embed_origins
    if "*" in origins:
        return ()
    return tuple("this site" if o == "'self'" else o for o in origins)


@embed.get("/embed/<slug>")
def player_embed(slug: str) -> Response:
    """Show an episode's player alone, compact, to be framed by the sites in embed_origins."""
    item = episode_or_404(slug)
    page = render_player_page(
        "player/embed.html",
        page_lang=item.language or UI_LANGUAGE,
        episode=item,
        transcript=read_transcript(context.library(), item),
        chapters_vtt=url_for("player.chapters_track", slug=slug, r=item.revision),
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = embed_policy(context.settings().embed_origins)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@embed.get("/oembed")
def oembed() -> Response:
    """Answer an oEmbed request for one of our episode addresses, in JSON or XML."""
    settings = context.settings()
    try:
        url = request.args.get("url", "")
        if not url:
            raise OEmbedError(400, "url is missing: /oembed?url=<episode page address>")
        writer = OEMBED_FORMATS.get(request.args.get("format", "json"))
        if writer is None:
            formats = " or ".join(OEMBED_FORMATS)
            raise OEmbedError(501, f"format must be {formats}")
        size = embed_size(request.args.get("maxwidth"), request.args.get("maxheight"))
        if not settings.embed_origins:
            raise OEmbedError(404, "embedding is off on this site (embed_origins is empty)")
        slug = slug_from_url(settings, url, host=request.host, root=request.script_root)
        try:
            episode = context.library().get_episode(slug)
        except NotFoundError:
            raise OEmbedError(404, f"{url!r} is not an episode of this site") from None
        response = writer(oembed_response(settings, episode, size))
    except OEmbedError as exc:
        response = jsonify(error=str(exc), status=exc.http_status)
        response.status_code = exc.http_status
    # Public data, asked for by editors' browsers as well as by CMS servers.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = OEMBED_CACHE_AGE if response.status_code == 200 else 60
    return response
