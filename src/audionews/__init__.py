"""audionews: turn news articles into accessible, chaptered podcast audio with a local voice.

The package reads in the order the data flows: ingest -> speech -> audio -> publish -> web.

The core is pure: `models`, `errors`, `config`, `naming`, `ingest/`, `speech/` and
`audio/transcript.py` never import piper, pydub, mutagen, sqlalchemy or flask, so they run and
test anywhere in milliseconds. Only `audio/synth.py` imports piper; only `audio/package.py`
imports mutagen; the publish layer owns the database; the web layer owns flask; only `net/`
talks to other servers (httpx), through a transport that never reaches internal addresses.
`pipeline.py` (with `polling.py` for followed sites) is the one place that wires the stages
together, and the entry points, `cli.py`, the web views and `worker.py`, stay thin around it.
Each layer imports only those below it: core (models, errors, config, naming, vocabulary) <
storage < ingest, speech, audio, net < publish < pipeline < the entry points; a test
(tests/test_architecture.py) keeps this order.
"""

__version__ = "0.1.0"  # pyproject.toml reads it from here
