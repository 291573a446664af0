"""In-process session store: bounded, least-recently-used and idle eviction.

Only correct with one process (gunicorn.conf.py forces one worker with
threads when this store is used).  The size bound counts blob bytes and
part bytes; a session's parts live and go with its blob.

Blobs of MAPPED_FROM bytes and more are kept in their own anonymous memory
maps, not on the malloc heap: a session lives for minutes among a request's
arrays that live for milliseconds, and on the heap each left holes between
them that the allocator could not give back, so the worker's memory grew
well past the bound.  A map's pages go back to the system when it is dropped.
"""
from __future__ import annotations

import mmap
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Iterator

from ..errors import SessionBusy
from .base import Held, PartsChange, SessionStore

MAPPED_FROM = 64 * 1024


class MemoryStore(SessionStore):
    kind = "memory"

    def __init__(self, max_sessions: int, max_bytes: int, idle_seconds: float,
                 lock_wait_s: float, clock: Callable[[], float] = time.monotonic):
        self.max_sessions, self.max_bytes, self.idle_seconds = max_sessions, max_bytes, idle_seconds
        self.lock_wait_s, self.clock = lock_wait_s, clock
        self._blobs: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # oldest use first
        self._parts: dict[str, dict[str, bytes]] = {}   # sid -> its parts, only while it has any
        self._bytes = 0
        self._mutex = threading.Lock()
        self._locks: dict[str, list] = {}  # sid -> [Lock, number of requests holding or waiting]

    def get(self, sid: str, held: Held | None = None) -> bytes | None:
        with self._mutex:
            self._drop_idle()
            entry = self._blobs.get(sid)
            if entry is None:
                return None
            self._blobs[sid] = (entry[0], self.clock())
            self._blobs.move_to_end(sid)
            return entry[0] if isinstance(entry[0], bytes) else entry[0][:]

    def get_part(self, sid: str, name: str) -> bytes | None:
        with self._mutex:
            self._drop_idle()
            part = self._parts.get(sid, {}).get(name)
            return part if part is None or isinstance(part, bytes) else part[:]

    def put(self, sid: str, blob: bytes, held: Held | None = None, release: bool = False,
            parts: PartsChange | None = None) -> None:
        with self._mutex:
            self._drop_idle()
            entry = self._blobs.pop(sid, None)
            if entry is not None:
                self._bytes -= len(entry[0])
            if parts:
                self._change_parts(sid, parts)
            self._blobs[sid] = (_kept(blob), self.clock())
            self._bytes += len(blob)
            self._drop_idle()
            while len(self._blobs) > 1 and (len(self._blobs) > self.max_sessions
                                            or self._bytes > self.max_bytes):
                self._remove(next(iter(self._blobs)))
            if release and held is not None and not held.released:
                held.released = True
                self._locks[sid][0].release()

    def delete(self, sid: str) -> bool:
        with self._mutex:
            return self._remove(sid)

    @contextmanager
    def lock(self, sid: str, read: bool = False) -> Iterator[Held]:   # get is as cheap: no read
        # Lock objects are shared by refcount, so an entry is never replaced
        # while someone holds or waits for it.
        with self._mutex:
            entry = self._locks.setdefault(sid, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=self.lock_wait_s):
                raise SessionBusy(sid)
            held = Held(sid, "")
            try:
                yield held
            finally:
                if not held.released:
                    entry[0].release()
        finally:
            with self._mutex:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[sid]

    def ping(self) -> bool:
        return True

    def stats(self) -> dict:
        with self._mutex:
            return {"sessions": len(self._blobs), "bytes": self._bytes, "locks": len(self._locks)}

    def _change_parts(self, sid: str, change: PartsChange) -> None:
        kept = self._parts.setdefault(sid, {})
        for name in change.drop:
            self._bytes -= len(kept.pop(name, b""))
        for name, value in change.set.items():
            self._bytes += len(value) - len(kept.get(name, b""))
            kept[name] = _kept(value)
        if not kept:
            del self._parts[sid]

    def _remove(self, sid: str) -> bool:
        entry = self._blobs.pop(sid, None)
        if entry is not None:
            self._bytes -= len(entry[0])
        self._bytes -= sum(len(part) for part in self._parts.pop(sid, {}).values())
        return entry is not None

    def _drop_idle(self) -> None:
        cutoff = self.clock() - self.idle_seconds
        while self._blobs:
            sid, (_, used) = next(iter(self._blobs.items()))
            if used > cutoff:
                break
            self._remove(sid)

    def __repr__(self) -> str:
        return (f"MemoryStore(max_sessions={self.max_sessions}, max_bytes={self.max_bytes}, "
                f"idle_seconds={self.idle_seconds})")


def _kept(blob: bytes) -> bytes | mmap.mmap:
    """A copy of ``blob`` the store can hold for long: see the module docstring."""
    if len(blob) < MAPPED_FROM:
        return bytes(blob)
    mapped = mmap.mmap(-1, len(blob))
    mapped.write(blob)
    return mapped
