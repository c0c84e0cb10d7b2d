"""Script -> Episode files: synthesis, clip cache, mastering, transcripts, MP3 packaging."""
