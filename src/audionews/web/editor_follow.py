"""The editor's "Followed sites" page: follow a feed, see each source's log, check now, stop.

Its routes live on the editor blueprint (same login, CSRF and no-store rules); the work is
publish/follow.py's. Kept in its own module so editor.py stays about articles.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue

from audionews.errors import AudionewsError
from audionews.publish import follow
from audionews.web import context
from audionews.web.editor import _render, editor


def _page(status: int = 200, **values: object) -> ResponseReturnValue:
    settings = context.settings()
    return _render(
        "editor/follow.html",
        status,
        sources=follow.list_sources(settings),
        events=follow.events(settings, limit=50),
        **{"errors": {}, "form": {}, "done": "", **values},
    )


@editor.get("/follow")
def follow_sites() -> ResponseReturnValue:
    return _page(done=request.args.get("done", ""))


@editor.post("/follow")
def follow_add() -> ResponseReturnValue:
    form = request.form.to_dict()
    url, category = form.get("url", "").strip(), form.get("category", "").strip()
    errors: dict[str, str] = {}
    if not url:
        errors["url"] = "Give the address of the site's feed, e.g. https://news.example/rss."
    elif len(category) > 200:
        errors["category"] = "Keep the category to at most 200 characters."
    else:
        try:
            added = follow.add_source(context.settings(), url, category)
        except AudionewsError as exc:
            errors["url"] = str(exc)
        else:
            return redirect(url_for("editor.follow_sites", done=f"Now following {added.url}."), 303)
    return _page(400, errors=errors, form=form)


@editor.post("/follow/<int:source_id>/check")
def follow_check(source_id: int) -> ResponseReturnValue:
    found = follow.check_now(context.settings(), source_id)
    done = f"{found.url} is polled at the worker's next round."
    return redirect(url_for("editor.follow_sites", done=done), 303)


@editor.post("/follow/<int:source_id>/remove")
def follow_remove(source_id: int) -> ResponseReturnValue:
    found = follow.remove_source(context.settings(), source_id)
    done = f"No longer following {found.url}; its episodes stay published."
    return redirect(url_for("editor.follow_sites", done=done), 303)
