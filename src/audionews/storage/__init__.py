"""Storage, below publishing: what every machine of an installation shares.

- tables.py     every table, on one SQLAlchemy metadata
- database.py   one engine per DATABASE_URL (SQLite by default, PostgreSQL), sessions, and the
                schema kept at the head of the migrations
- migrations/   Alembic's migrations, shipped in the package (`audionews db upgrade`)
- locks.py      the article lock, held in the database (PostgreSQL advisory lock, SQLite row)

Nothing here imports publish/, web/ or pipeline.py: they build on it.
"""
