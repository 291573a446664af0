"""gunicorn's gthread worker, timing how long each request waits for a thread.

Such a wait happens outside the app, in the worker's queue, so only the
worker can time it; the app adds it to the request's busy signal
(server/busy.py).  gunicorn.conf.py names this class as ``worker_class``.
"""
from __future__ import annotations

import time

from gunicorn.workers import gthread

from . import busy


class ThreadWorker(gthread.ThreadWorker):
    def enqueue_req(self, conn):
        conn.crease_queued_at = time.perf_counter()
        super().enqueue_req(conn)

    def handle(self, conn):
        queued_at = getattr(conn, "crease_queued_at", None)
        if queued_at is not None:
            busy.note_queued(time.perf_counter() - queued_at)
        return super().handle(conn)
