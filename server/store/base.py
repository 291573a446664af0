"""The session store interface: opaque blobs by unguessable id, plus a lock.

A request on a session goes ``with store.lock(sid, read=True) as held: blob =
store.get(sid, held); ... ; store.put(sid, new_blob, held, release=True)``: the
lock reads the blob as it is taken and the last write releases it (on Redis
one round trip each).  The lock serialises requests on one
session across threads, processes and hosts, so a step is never lost or
applied twice; ``put`` with a lock refuses to write if the lock was lost
meanwhile (Redis: it expired), raising ``SessionBusy`` instead.
Both implementations raise ``StoreUnavailable`` when their backend is down.

A session may also have named parts: bytes written once and read now and
then (a timeline's checkpoints), so that the blob saved every request stays
small.  ``put`` changes them (``PartsChange``) in the same atomic write as the
blob, a lost lock refusing both; they expire, are evicted, are deleted and
count toward the session's size together with its blob.
"""
from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field


def new_session_id() -> str:
    """128 bits from the OS's CSPRNG, URL-safe: 22 characters."""
    return secrets.token_urlsafe(16)


@dataclass
class PartsChange:
    """Parts of a session to write (``set``: name -> bytes) and to delete
    (``drop``), applied with the session's blob; a name in both is set."""
    set: dict[str, bytes] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.drop = [name for name in self.drop if name not in self.set]

    def __bool__(self) -> bool:
        return bool(self.set or self.drop)

    def __repr__(self) -> str:
        return f"PartsChange(set={sorted(self.set)}, drop={self.drop})"


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
    def put(self, sid: str, blob: bytes, held: Held | None = None, release: bool = False,
            parts: PartsChange | None = None) -> None:
        """Store ``blob`` under ``sid`` (new or replacing) and change its
        ``parts``, all or nothing.  With ``held``, only while that lock is
        still ours (else ``SessionBusy``); with ``release`` as well, the write
        is the block's last use of the lock and lets it go."""

    @abstractmethod
    def get_part(self, sid: str, name: str) -> bytes | None:
        """The session's part ``name``, or None if it has none (or is gone)."""

    def admit(self, owner: str) -> None:
        """Raise what ``create`` would for a new session of ``owner`` now, before
        the work of making one (``create`` checks again, atomically)."""

    def create(self, sid: str, blob: bytes, owner: str, parts: PartsChange | None = None) -> None:
        """Store a new session made by client address ``owner``.  A store that
        bounds sessions per owner or in all refuses here (``TooManySessions``,
        ``StoreFull``)."""
        self.put(sid, blob, parts=parts)

    @abstractmethod
    def delete(self, sid: str) -> bool:
        """Drop the session and its parts; True if it existed."""

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
