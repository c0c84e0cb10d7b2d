"""Source -> Article: read scraped text, HTML and Markdown articles. Pure (no audio, no web)."""
