"""Initial schema: the tables as audionews created them before it had migrations.

Revision ID: 0001
Revises:

An empty database gets every table. A database made before migrations existed (its tables
created at start, columns added later by ALTER TABLE) is adopted: only the tables and the
columns it lacks are added, so it ends exactly like a new one. The tables are written out
here, not imported from storage/tables.py: a migration describes the schema of its own time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_schema = sa.MetaData()

sa.Table(
    "library_state",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("generation", sa.Integer(), nullable=False),
)
sa.Table(
    "feed_guids",
    _schema,
    sa.Column("path", sa.String(200), primary_key=True),
    sa.Column("guid", sa.String(36), nullable=False),
)
sa.Table(
    "episodes",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, unique=True, index=True),
    sa.Column("guid", sa.String(36), nullable=False, unique=True),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("kicker", sa.Text(), nullable=False),
    sa.Column("category", sa.String(200), nullable=False),
    sa.Column("category_slug", sa.String(100), nullable=False, index=True),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("standfirst", sa.Text(), nullable=False),
    sa.Column("byline", sa.Text(), nullable=False),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("published", sa.DateTime(), nullable=False),
    sa.Column("updated", sa.DateTime(), nullable=False),
    sa.Column("current_revision", sa.Integer(), nullable=False),
    sa.Column("withdrawn", sa.DateTime(), nullable=True),
    sa.Column("link", sa.Text(), server_default="", nullable=False),
)
sa.Table(
    "revisions",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episodes.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("editor", sa.String(200), nullable=False),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("source", sa.LargeBinary(), nullable=False),
    sa.Column("source_hash", sa.String(64), nullable=False, index=True),
    sa.Column("source_filename", sa.Text(), nullable=False),
    sa.Column("source_format", sa.String(20), nullable=False),
    sa.Column("script_json", sa.Text(), nullable=False),
    sa.Column("files_json", sa.Text(), nullable=False),
    sa.Column("chapters_json", sa.Text(), nullable=False),
    sa.Column("notices_json", sa.Text(), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("duration_s", sa.Double(), nullable=False),
    sa.Column("segments_synthesized", sa.Integer(), nullable=False),
    sa.Column("segments_cached", sa.Integer(), nullable=False),
    sa.UniqueConstraint("episode_id", "number"),
)
sa.Table(
    "jobs",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("editor", sa.String(200), nullable=False),
    sa.Column("source", sa.LargeBinary(), nullable=False),
    sa.Column("source_filename", sa.Text(), nullable=False),
    sa.Column("source_format", sa.String(20), nullable=False),
    sa.Column("source_url", sa.Text(), server_default="", nullable=False),
    sa.Column("link", sa.Text(), server_default="", nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("done", sa.Integer(), nullable=False),
    sa.Column("total", sa.Integer(), nullable=False),
    sa.Column("synthesized", sa.Integer(), nullable=False),
    sa.Column("cached", sa.Integer(), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("heartbeat", sa.Float(), nullable=False),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("updated", sa.DateTime(), nullable=False),
)
sa.Table(
    "article_locks",
    _schema,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("job_id", sa.Integer(), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("heartbeat", sa.Float(), nullable=False),
)
sa.Table(
    "slug_reservations",
    _schema,
    sa.Column("slug", sa.String(100), primary_key=True),
    sa.Column("job_id", sa.Integer(), nullable=False, index=True),
    sa.Column("created", sa.DateTime(), nullable=False),
)
sa.Table(
    "editors",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("created", sa.DateTime(), nullable=False),
)
sa.Table(
    "api_tokens",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("last_used", sa.DateTime(), nullable=True),
)
sa.Table(
    "editor_sessions",
    _schema,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("editor", sa.String(100), nullable=False, index=True),
    sa.Column("created", sa.Float(), nullable=False),
    sa.Column("expires", sa.Float(), nullable=False, index=True),
)
sa.Table(
    "login_throttle",
    _schema,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("last", sa.Float(), nullable=False, index=True),
    sa.Column("next_allowed", sa.Float(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)
sa.Table(
    "revision_sentences",
    _schema,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, index=True),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("sentences_json", sa.Text(), nullable=False),
    sa.UniqueConstraint("slug", "number"),
)

#: Text columns added after their table's first release (by ALTER TABLE, before migrations):
#: a database from before them lacks them. Their server default fills the existing rows.
_LATER_COLUMNS = (("episodes", "link"), ("jobs", "source_url"), ("jobs", "link"))


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in _schema.sorted_tables:
        if table.name not in existing:
            table.create(bind)
    for table_name, column_name in _LATER_COLUMNS:
        if table_name not in existing:
            continue
        if column_name not in {c["name"] for c in inspector.get_columns(table_name)}:
            op.add_column(
                table_name, sa.Column(column_name, sa.Text(), server_default="", nullable=False)
            )


def downgrade() -> None:
    _schema.drop_all(op.get_bind())
