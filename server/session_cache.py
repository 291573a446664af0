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

The bound counts what an entry holds: its bytes and every array its
session object reaches (footprint).  A decoded run is far larger than its
bytes: it keeps each layer's activations over the training set for the
next step, so a session at the limits (86,000 weights, Adam, 10,000 points)
is 2.1 MB saved and 220 MB decoded; a 2-100-10-3 session on 400 points
is 40 KB saved and about 2 MB decoded.  One over MAX_BYTES is not kept.
A session given back after a take is the object counted when it was kept,
whose arrays training reuses: it is not walked again (the walk goes through
its history, up to 2,000 epochs of Python numbers: 1.3 ms a frame).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

SIZE = 64                     # sessions kept per worker; a lecture hall spreads over the workers
MAX_BYTES = 64 * 1024 * 1024  # and what they hold at most this much in all (see above)
_WALKED = ("engine.", "server.")   # objects whose attributes footprint() follows


class SessionCache:
    def __init__(self, size: int = SIZE, max_bytes: int = MAX_BYTES):
        self.size, self.max_bytes = size, max_bytes
        # blob, session, size (the blob's bytes and the session's footprint), footprint
        self._items: OrderedDict[str, tuple[bytes, object, int, int]] = OrderedDict()
        # taken out: a weak reference to the session (a request that fails never
        # gives it back, and this must not keep it alive) and its footprint
        self._lent: dict[str, tuple[weakref.ref, int]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, sid: str, blob: bytes):
        """The session decoded from ``blob`` if this worker kept it, else None;
        either way the entry is gone until ``keep`` puts one back."""
        with self._lock:
            item = self._items.pop(sid, None)
            if item is not None:
                self._bytes -= item[2]
            if item is not None and item[0] == blob:
                self._lend(sid, item[1], item[3])
                return item[1]
            return None

    def _lend(self, sid: str, session, held: int) -> None:
        """Remember ``session``'s footprint while it is out (under the lock)."""
        if len(self._lent) >= self.size:   # forget the ones never given back
            self._lent = {k: v for k, v in self._lent.items() if v[0]() is not None}
        try:
            self._lent[sid] = weakref.ref(session), held
        except TypeError:                  # no weak references to it: walked again
            pass

    def keep(self, sid: str, blob: bytes, session) -> None:
        """Remember ``session`` as what ``blob`` decodes to (the caller is done with it)."""
        with self._lock:
            lent = self._lent.pop(sid, None)
        held = lent[1] if lent is not None and lent[0]() is session else footprint(session)
        size = len(blob) + held
        with self._lock:
            old = self._items.pop(sid, None)
            self._bytes -= old[2] if old else 0
            if size > self.max_bytes:
                return
            self._bytes += size
            self._items[sid] = (blob, session, size, held)
            while len(self._items) > self.size or self._bytes > self.max_bytes:
                _, (_, _, dropped, _) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)


def footprint(obj) -> int:
    """Bytes of the NumPy arrays ``obj`` reaches through containers and the
    attributes of engine and server objects, each buffer counted once."""
    seen: set[int] = set()
    total, todo = 0, [obj]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            base = item
            while isinstance(base.base, np.ndarray):
                base = base.base
            if base is item or id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
        elif type(item).__module__.startswith(_WALKED) and hasattr(item, "__dict__"):
            todo.append(vars(item))
    return total
