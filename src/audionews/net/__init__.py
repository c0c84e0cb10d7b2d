"""Talking to other servers (I/O, outside the pure core): fetch an article page (fetch.py).

Every request to an address a user typed goes through fetch.py's guarded transport, which
resolves the name once, refuses loopback, private and link-local addresses (unless the
`allow_private_urls` setting allows them) and connects to the address it checked.
"""
