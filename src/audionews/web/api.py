"""JSON API for reading the library, and /healthz for load balancers and `make run`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from audionews.web import context

bp = Blueprint("api", __name__)


@bp.get("/api/episodes")
def episodes() -> Response:
    category = request.args.get("category") or None
    items = context.library().list_episodes(category=category)
    return jsonify(episodes=[e.to_dict() for e in items])


@bp.get("/api/episodes/<slug>")
def episode(slug: str) -> Response:
    return jsonify(context.library().get_episode(slug).to_dict())


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        generation = context.library().generation()
    except SQLAlchemyError as exc:
        return jsonify(status="error", error=type(exc).__name__), 503
    return jsonify(status="ok", generation=generation), 200
