"""The app under real gunicorn on a free port with the in-process memory store,
for the browser tests and bench/page_fps.py (tests/server/servers.py runs it)."""
from __future__ import annotations

from pathlib import Path

from tests.server.servers import Gunicorn

# A playing page sends one request per frame (up to 30 a second): the tests and
# the benchmark are one client, which the default per-client rate limit
# (RATE_LIMIT in server/config.py) would throttle after a minute of play.
ENV = {"REDIS_URL": "", "RATE_LIMIT": "", "LOG_LEVEL": "WARNING"}


def start_app(log_path: Path) -> Gunicorn:
    return Gunicorn(ENV, log_path).start()
