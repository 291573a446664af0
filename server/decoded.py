"""This worker's last decoded sessions, each under the exact bytes it was saved as.

Decoding a session from the store costs about as much as drawing a third of
a frame's grid (0.4-0.6 ms for the 2-100-10-3 frame of bench/frame.py).  A
playing page sends its session's requests one after another, mostly to the
same worker; that worker saved the bytes the next request reads.  When the
store still holds exactly those bytes, the object they were made from is
that session, so it is used instead of decoding them.  The store stays the
truth: any other bytes (another worker's save, an import, an eviction)
mean a decode, as before.

An entry is taken out while a request uses its session and put back only
when that request is done with it, so no two threads ever share one.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

SIZE = 64                    # sessions kept per worker; a lecture hall spreads over the workers
MAX_BYTES = 16 * 1024 * 1024  # and their saved bytes at most this much in all (the objects
                              # take a few times that): a 2-100-10-3 session is 40 KB, one at
                              # the limits (100k weights, Adam, 10k points) about 2.6 MB


class DecodedSessions:
    def __init__(self, size: int = SIZE, max_bytes: int = MAX_BYTES):
        self.size, self.max_bytes = size, max_bytes
        self._items: OrderedDict[str, tuple[bytes, object]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, sid: str, blob: bytes):
        """The session decoded from ``blob`` if this worker kept it, else None;
        either way the entry is gone until ``keep`` puts one back."""
        with self._lock:
            item = self._items.pop(sid, None)
            if item is not None:
                self._bytes -= len(item[0])
        if item is not None and item[0] == blob:
            return item[1]
        return None

    def keep(self, sid: str, blob: bytes, session) -> None:
        """Remember ``session`` as what ``blob`` decodes to (the caller is done with it)."""
        with self._lock:
            old = self._items.pop(sid, None)
            self._bytes += len(blob) - (len(old[0]) if old else 0)
            self._items[sid] = (blob, session)
            while len(self._items) > self.size or self._bytes > self.max_bytes:
                _, (dropped, _) = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)
