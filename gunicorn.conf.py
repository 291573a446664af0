"""gunicorn settings, from the same environment variables as the app
(server/config.py): HOST, PORT, WEB_CONCURRENCY, THREADS, REDIS_URL.

Sessions live in the app's store.  The memory store lives inside one
process, so without REDIS_URL there is exactly one worker (with threads);
with Redis any number of workers share the sessions.
"""
import html
import os

from gunicorn import util

from server.config import Config

# One BLAS thread per process: threads of OpenBLAS next to gunicorn's threads
# make small matrix products many times slower on a few cores.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from server.security import security_headers  # noqa: E402 - imports NumPy: after the line above

_config = Config.from_env()
_ERROR_HEADERS = security_headers(_config)


def _write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own answers (a malformed request line: 400, a request line
    over limit_request_line: 414, headers over their limits: 431) with the
    security headers every answer of the app carries.  gunicorn offers no hook
    for these, so this replaces its util.write_error (same arguments)."""
    body = (f"<html><head><title>{html.escape(reason)}</title></head><body><h1>"
            f"{html.escape(reason)}</h1>{html.escape(mesg)}</body></html>\n").encode("latin-1", "replace")
    headers = {"Connection": "close", "Content-Type": "text/html; charset=iso-8859-1",
               "Content-Length": str(len(body)), **_ERROR_HEADERS}
    head = f"HTTP/1.1 {status_int} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)


util.write_error = _write_error

bind = [f"{_config.host}:{_config.port}"]
workers = _config.web_concurrency if _config.store_kind == "redis" else 1
threads = _config.threads
worker_class = "server.worker.ThreadWorker"   # gthread, timing the wait for a thread (server/busy.py)
timeout = 30            # far above ADVANCE_BUDGET_MS: a request is cut by the budget first
graceful_timeout = 10
keepalive = 5
preload_app = True      # build the app (and its static cache) once, before forking
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = _config.log_level.lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": _config.log_level.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": _config.log_level.upper(), "handlers": ["console"],
                           "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "stream": "ext://sys.stdout"}},
    "formatters": {"plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"}},
}

if _config.store_kind == "memory" and "WEB_CONCURRENCY" in os.environ and _config.web_concurrency > 1:
    print(f"gunicorn.conf.py: WEB_CONCURRENCY={_config.web_concurrency} ignored: the memory "
          "store needs one worker (set REDIS_URL to run several)", flush=True)
