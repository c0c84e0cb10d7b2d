"""Storage, below publishing: what every machine of an installation shares.

- tables.py     every table, on one SQLAlchemy metadata
- database.py   one engine per DATABASE_URL (SQLite by default, PostgreSQL), sessions, and the
                schema kept at the head of the migrations
- migrations/   Alembic's migrations, shipped in the package (`audionews db upgrade`)
- locks.py      the article lock, held in the database (PostgreSQL advisory lock, SQLite row)
- shared.py     values every machine reads alike, by name: the signing key, the lexicon, the
                feed render stamp
- public.py     the public files (MP3s, transcripts, feeds, cover): a local folder or
                S3-compatible object storage, behind one interface

Nothing here imports publish/, web/ or pipeline.py: they build on it.
"""
