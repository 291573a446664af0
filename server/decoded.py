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

SIZE = 64   # sessions kept per worker; a lecture hall spreads over the workers


class DecodedSessions:
    def __init__(self, size: int = SIZE):
        self.size = size
        self._items: OrderedDict[str, tuple[bytes, object]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, sid: str, blob: bytes):
        """The session decoded from ``blob`` if this worker kept it, else None;
        either way the entry is gone until ``keep`` puts one back."""
        with self._lock:
            item = self._items.pop(sid, None)
        if item is not None and item[0] == blob:
            return item[1]
        return None

    def keep(self, sid: str, blob: bytes, session) -> None:
        """Remember ``session`` as what ``blob`` decodes to (the caller is done with it)."""
        with self._lock:
            self._items[sid] = (blob, session)
            self._items.move_to_end(sid)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._items.pop(sid, None)

    def __len__(self) -> int:
        return len(self._items)
