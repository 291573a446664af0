"""The session store interface: opaque blobs by unguessable id, plus a lock.

A request on a session goes ``with store.lock(sid, read=True) as held: blob =
store.get(sid, held); ... ; store.put(sid, new_blob, held, release=True)``: the
lock reads the blob as it is taken and the last write releases it (on Redis
one round trip each).  The lock serialises requests on one
session across threads, processes and hosts, so a step is never lost or
applied twice; ``put`` with a lock refuses to write if the lock was lost
meanwhile (Redis: it expired), raising ``SessionBusy`` instead.
Both implementations raise ``StoreUnavailable`` when their backend is down.
"""
from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager


def new_session_id() -> str:
    """128 bits from the OS's CSPRNG, URL-safe: 22 characters."""
    return secrets.token_urlsafe(16)


class Held:
    """Proof of holding a session's lock; handed back to ``get`` and ``put``.
    ``read``: ``blob`` is the session as the lock read it, not yet handed out.
    ``released``: a ``put(..., release=True)`` let the lock go, the block's
    end need not."""
    __slots__ = ("sid", "token", "released", "read", "blob")

    def __init__(self, sid: str, token: str):
        self.sid, self.token, self.released = sid, token, False
        self.read, self.blob = False, None

    def take_read(self) -> bytes | None:
        self.read, blob, self.blob = False, self.blob, None
        return blob

    def __repr__(self) -> str:
        return f"Held({self.sid!r})"


class SessionStore(ABC):
    kind: str

    @abstractmethod
    def get(self, sid: str, held: Held | None = None) -> bytes | None:
        """The session's blob, or None if unknown, expired or evicted; refreshes
        its idle time.  With ``held`` from ``lock(sid, read=True)``, the first
        call hands out what the lock read."""

    @abstractmethod
    def put(self, sid: str, blob: bytes, held: Held | None = None, release: bool = False) -> None:
        """Store ``blob`` under ``sid`` (new or replacing).  With ``held``, only
        while that lock is still ours (else ``SessionBusy``); with ``release``
        as well, the write is the block's last use of the lock and lets it go."""

    def admit(self, owner: str) -> None:
        """Raise what ``create`` would for a new session of ``owner`` now, before
        the work of making one (``create`` checks again, atomically)."""

    def create(self, sid: str, blob: bytes, owner: str) -> None:
        """Store a new session made by client address ``owner``.  A store that
        bounds sessions per owner or in all refuses here (``TooManySessions``,
        ``StoreFull``)."""
        self.put(sid, blob)

    @abstractmethod
    def delete(self, sid: str) -> bool:
        """Drop the session; True if it existed."""

    @abstractmethod
    def lock(self, sid: str, read: bool = False) -> AbstractContextManager[Held]:
        """Hold the session's lock for the ``with`` block; ``SessionBusy`` if it
        stays taken longer than the configured wait.  ``read``: the next
        ``get(sid, held)`` is to be answered from the taking (Redis reads the
        blob in the same round trip)."""

    @abstractmethod
    def ping(self) -> bool:
        """True if the backend answers."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
