"""A minimal home page and episode page, used until the player blueprint (issue 5) exists."""

from __future__ import annotations

from flask import Blueprint, render_template_string

from audionews.web import context

bp = Blueprint("home", __name__)

_HOME = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="alternate" type="application/rss+xml" title="{{ title }}" href="/feed.xml"></head>
<body><main><h1>{{ title }}</h1>
<p>Subscribe in your podcast app: <a href="/feed.xml">{{ feed_url }}</a></p>
<ul>{% for e in episodes %}
<li><h2><a href="/episodes/{{ e.slug }}/">{{ e.title }}</a></h2>
<p>{{ e.standfirst }}</p>
<audio controls preload="none" src="{{ e.mp3.path }}"></audio></li>{% endfor %}
</ul></main></body></html>"""

_EPISODE = """<!DOCTYPE html>
<html lang="{{ e.language }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ e.title }}</title></head>
<body><main><h1>{{ e.title }}</h1><p>{{ e.standfirst }}</p>
{% for n in e.notices %}<p><strong>{{ n.label or n.kind }}</strong>: {{ n.text }}</p>{% endfor %}
<audio controls preload="metadata" src="{{ e.mp3.path }}">
<track kind="captions" src="{{ e.files.vtt.path }}" srclang="{{ e.language }}" label="Transcript">
</audio>
<ol>{% for c in e.chapters %}<li>{{ c.title }}</li>{% endfor %}</ol>
<p><a href="{{ e.files.html.path }}">Transcript</a> · <a href="{{ e.mp3.path }}">MP3</a></p>
</main></body></html>"""


@bp.get("/")
def index() -> str:
    settings = context.settings()
    return render_template_string(
        _HOME,
        title=settings.feed_title,
        lang=settings.default_language,
        feed_url=settings.public_url.rstrip("/") + "/feed.xml",
        episodes=context.library().list_episodes(),
    )


@bp.get("/episodes/<slug>/")
def episode(slug: str) -> str:
    return render_template_string(_EPISODE, e=context.library().get_episode(slug))
