"""Episodes and revisions in the library, the podcast feeds, background jobs."""
