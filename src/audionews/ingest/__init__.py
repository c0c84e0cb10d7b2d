"""Source -> Article: read scraped text, HTML and Markdown articles. Pure (no audio, no web).

Entry point: `detect.read_article(data, filename=..., source_format=...)`. The parsers
(text.py, html.py, markdown.py) only decide where a piece of text sits; what it is
(boilerplate, notice, byline, date, caption, key-point title, list item) is decided by the
tables in rules.py, shared by all three. assemble.py turns the findings into an Article.
This package never imports audio, database or web libraries (tests/test_architecture.py).
"""
