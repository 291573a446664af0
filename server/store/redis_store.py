"""Redis session store: any number of workers and hosts share the sessions.

Keys: ``<prefix>s:<sid>`` holds the blob and expires after the idle time
(refreshed on every read and write); ``<prefix>l:<sid>`` is the session's
lock, ``SET NX PX`` with a random token.  While the ``with`` block runs, a
small thread renews the lock every third of its TTL, so a request that works
longer than the TTL keeps it; the TTL only matters when the holder's process
is gone.  Renewing, releasing and writing under the lock are Lua scripts that
first check the token, so a request whose lock expired (a stalled worker) can
neither renew, release nor overwrite another's work.
"""
from __future__ import annotations

import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import redis

from ..errors import SessionBusy, StoreUnavailable
from .base import Held, SessionStore

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_PUT_IF_HELD = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as e:
        raise StoreUnavailable(str(e)) from None


class RedisStore(SessionStore):
    kind = "redis"

    def __init__(self, url: str, idle_seconds: float, lock_wait_s: float, lock_ttl_ms: int,
                 prefix: str = "crease:"):
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.idle_ms = int(idle_seconds * 1000)
        self.lock_wait_s, self.lock_ttl_ms, self.prefix = lock_wait_s, lock_ttl_ms, prefix
        self._release = self.client.register_script(_RELEASE)
        self._put_if_held = self.client.register_script(_PUT_IF_HELD)
        self._renew = self.client.register_script(_RENEW)

    def _key(self, sid: str) -> str:
        return f"{self.prefix}s:{sid}"

    def _lock_key(self, sid: str) -> str:
        return f"{self.prefix}l:{sid}"

    def get(self, sid: str) -> bytes | None:
        with _answering():
            return self.client.getex(self._key(sid), px=self.idle_ms)

    def put(self, sid: str, blob: bytes, held: Held | None = None) -> None:
        with _answering():
            if held is None:
                self.client.set(self._key(sid), blob, px=self.idle_ms)
                return
            keys = [self._key(sid), self._lock_key(sid)]
            if not self._put_if_held(keys=keys, args=[held.token, blob, self.idle_ms]):
                raise SessionBusy(sid)

    def delete(self, sid: str) -> bool:
        with _answering():
            return bool(self.client.delete(self._key(sid)))

    @contextmanager
    def lock(self, sid: str) -> Iterator[Held]:
        key, token = self._lock_key(sid), secrets.token_hex(16)
        deadline, pause = time.monotonic() + self.lock_wait_s, 0.002
        with _answering():
            while not self.client.set(key, token, nx=True, px=self.lock_ttl_ms):
                if time.monotonic() >= deadline:
                    raise SessionBusy(sid)
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        done = threading.Event()
        renewer = threading.Thread(target=self._keep, args=(key, token, done),
                                   name=f"lock-renewer-{sid[:6]}", daemon=True)
        renewer.start()
        try:
            yield Held(sid, token)
        finally:
            done.set()
            renewer.join()
            try:
                self._release(keys=[key], args=[token])
            except redis.RedisError:
                pass  # the lock expires by itself; the request's own outcome matters more

    def _keep(self, key: str, token: str, done: threading.Event) -> None:
        """Renew the lock until ``done``; stop if it was lost (``put`` then refuses)."""
        while not done.wait(self.lock_ttl_ms / 3000):
            try:
                if not self._renew(keys=[key], args=[token, self.lock_ttl_ms]):
                    return
            except redis.RedisError:
                pass   # Redis away for a moment: try again; the TTL covers a longer outage

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r}, idle_ms={self.idle_ms})"
