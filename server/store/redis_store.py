"""Redis session store: any number of workers and hosts share the sessions.

Keys: ``<prefix>s:<sid>`` holds the blob and expires after the idle time
(refreshed on every read and write); ``<prefix>l:<sid>`` is the session's
lock, ``SET NX PX`` with a random token.  While the ``with`` block runs, the
store's one renewing thread (``LockKeeper``, shared by every lock the process
holds: a thread started per request cost a frame about 0.5 ms) renews it
every third of its TTL, so a request that works longer than the TTL keeps
it; the TTL only matters when the holder's process is gone.  Renewing,
releasing and writing under the lock are Lua scripts that first check the
token, so a request whose lock expired (a stalled worker) can neither renew,
release nor overwrite another's work.

The app bounds what it stores, rather than leaving it to Redis' ``maxmemory``
(which would evict sessions mid-lesson or refuse writes at random):
``<prefix>sizes`` (hash) and ``<prefix>bytes`` count each session's bytes
(its blob and its parts: the parts' share is what its size holds beyond the
blob's STRLEN), ``<prefix>live`` (sorted set, by expiry time) lists the keys
so that expired ones give their bytes back, and ``<prefix>a:<address>``
lists the sessions each client address created.  Every write is one Lua
script that checks the bounds and writes together: a session (blob and
parts) larger than ``max_session_bytes`` is refused; a new key is refused
once the count would pass ``NEW_SHARE`` of ``store_bytes`` or its address
holds ``sessions_per_address`` live sessions; a stored key may grow into the
rest, up to ``store_bytes`` (Redis 5 or later, for TIME in a writing script;
not Redis Cluster: the scripts name keys they compute).

A session's parts are the hash ``<prefix>p:<sid>``, changed by the script
that writes the blob and given the blob's expiry whenever that is set or
refreshed (a write, ``_LOCK_AND_READ``, ``_READ``), deleted with it.
"""
from __future__ import annotations

import os
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import redis

from ..errors import SessionBusy, SessionTooLarge, StoreFull, StoreUnavailable, TooManySessions
from .base import Held, PartsChange, SessionStore

NEW_SHARE = 0.9    # new keys stop here; the rest is room for stored sessions to grow
REAP_BATCH = 200   # expired keys forgotten per write, so one write stays short
# Retry-After of a refusal: when the oldest key expires, but no later than this,
# since a closed tab deletes its session and gives its place back sooner.
RETRY_AFTER_MAX_S = 60

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# KEYS: lock, blob, parts; ARGV: token, lock ttl ms, idle ms -> {} taken by another, {1[, blob]} ours
_LOCK_AND_READ = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {} end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {1, redis.call('GETEX', KEYS[2], 'PX', ARGV[3])}
"""
# KEYS: blob, parts; ARGV: idle ms -> the blob or nil
_READ = """
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return redis.call('GETEX', KEYS[1], 'PX', ARGV[1])
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# Shared by the scripts below.  reap: the bytes of keys that are gone go back to
# the count; keys still there (read since they were listed) are re-listed.
_SHARED = """
local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function reap(set, upto, count, now, prefix, sizes, bytes)
  for _, sid in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', upto, 'LIMIT', 0, count)) do
    local ttl = redis.call('PTTL', prefix .. 's:' .. sid)
    if ttl > 0 then
      redis.call('ZADD', set, now + ttl, sid)
    else
      redis.call('ZREM', set, sid)
      local size = sizes and redis.call('HGET', sizes, sid)
      if size then
        redis.call('DECRBY', bytes, size)
        redis.call('HDEL', sizes, sid)
      end
    end
  end
end
local function wait_s(set, now)
  local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  if not first[2] then return 1 end
  return math.max(1, math.ceil((tonumber(first[2]) - now) / 1000))
end
-- {1, s}: the owner's set holds its cap of live keys; {2, s}: past the bound
-- for new keys with ``size`` more bytes; nil: room.
local function refusal(live, owner, cap, prefix, sizes, bytes, bound, size, now)
  reap(live, now, REAP_BATCH, now, prefix, sizes, bytes)
  if owner ~= '' and cap > 0 and redis.call('ZCARD', owner) >= cap then
    -- at the cap, look at all of them: one deleted early gives its place back
    reap(owner, '+inf', -1, now, prefix, false, false)
    if redis.call('ZCARD', owner) >= cap then return {1, wait_s(owner, now)} end
  end
  if tonumber(redis.call('GET', bytes) or '0') + size > bound then return {2, wait_s(live, now)} end
  return nil
end
""".replace("REAP_BATCH", str(REAP_BATCH))

# KEYS: blob, lock, live, sizes, bytes, owner's set (or ''), parts
# ARGV: token (or ''), blob, idle ms, sid, prefix, new-key bound, total bound, per-owner cap,
#       '1' to release the lock with the write, session bound, n parts to drop, their names,
#       then name, bytes of each part to set (never one also dropped)
# -> {0} written, {-1} lock lost, {1, s} owner at its cap, {2, s} store full,
#    {3, bytes} the session would be larger than its bound
_PUT = _SHARED + """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1} end
local now = now_ms()
local old = tonumber(redis.call('HGET', KEYS[4], ARGV[4]))
-- the parts' bytes now: what the session's size holds beyond its blob
local parts = 0
if old and redis.call('EXISTS', KEYS[1]) == 1 then
  parts = old - redis.call('STRLEN', KEYS[1])
else
  redis.call('DEL', KEYS[7])
end
local dropped, first_set = tonumber(ARGV[11]), 12 + tonumber(ARGV[11])
for i = 12, first_set - 1 do parts = parts - redis.call('HSTRLEN', KEYS[7], ARGV[i]) end
for i = first_set, #ARGV, 2 do
  parts = parts + string.len(ARGV[i + 1]) - redis.call('HSTRLEN', KEYS[7], ARGV[i])
end
local size = string.len(ARGV[2]) + parts
if size > tonumber(ARGV[10]) then return {3, size} end
local total = tonumber(redis.call('GET', KEYS[5]) or '0')
if not old then
  local refused = refusal(KEYS[3], KEYS[6], tonumber(ARGV[8]), ARGV[5], KEYS[4], KEYS[5],
                          tonumber(ARGV[6]), size, now)
  if refused then return refused end
  old = 0
elseif size > old and total + size - old > tonumber(ARGV[7]) then
  return {2, wait_s(KEYS[3], now)}
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if dropped > 0 then redis.call('HDEL', KEYS[7], unpack(ARGV, 12, first_set - 1)) end
if #ARGV >= first_set then redis.call('HSET', KEYS[7], unpack(ARGV, first_set, #ARGV)) end
redis.call('PEXPIRE', KEYS[7], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[4], size)
redis.call('INCRBY', KEYS[5], size - old)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[4])
if KEYS[6] ~= '' then
  redis.call('ZADD', KEYS[6], now + tonumber(ARGV[3]), ARGV[4])
  redis.call('PEXPIRE', KEYS[6], ARGV[3])
end
if ARGV[9] == '1' and ARGV[1] ~= '' then redis.call('DEL', KEYS[2]) end
return {0}
"""

# KEYS: live, sizes, bytes, owner's set; ARGV: prefix, new-key bound, per-owner cap
# -> {0} room, else as _PUT
_ADMIT = _SHARED + """
return refusal(KEYS[1], KEYS[4], tonumber(ARGV[3]), ARGV[1], KEYS[2], KEYS[3],
               tonumber(ARGV[2]), 1, now_ms()) or {0}
"""

# KEYS: blob, live, sizes, bytes, parts; ARGV: sid -> 1 if it existed
_DELETE = """
redis.call('DEL', KEYS[5])
local size = redis.call('HGET', KEYS[3], ARGV[1])
if size then
  redis.call('DECRBY', KEYS[4], size)
  redis.call('HDEL', KEYS[3], ARGV[1])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
"""


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as e:
        raise StoreUnavailable(str(e)) from None


class LockKeeper:
    """Renews every lock this process holds, each third of the TTL, from one
    daemon thread (started on first use, and again in a forked worker, which
    inherits no threads).  A lock found lost is dropped: ``put`` then refuses."""

    def __init__(self, renew, ttl_ms: int):
        self.renew, self.period = renew, max(ttl_ms / 3000, 0.01)
        self.held: dict[str, str] = {}
        self.mutex = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0

    def hold(self, key: str, token: str) -> None:
        with self.mutex:
            self.held[key] = token
            if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._run, name="lock-keeper", daemon=True)
                self.thread.start()

    def drop(self, key: str, token: str) -> None:
        with self.mutex:
            if self.held.get(key) == token:
                del self.held[key]

    def _run(self) -> None:
        while True:
            time.sleep(self.period)
            with self.mutex:
                held = list(self.held.items())
            for key, token in held:
                try:
                    if not self.renew(keys=[key], args=[token, int(self.period * 3000)]):
                        self.drop(key, token)
                except redis.RedisError:
                    pass   # Redis away for a moment: try again; the TTL covers a longer outage


class RedisStore(SessionStore):
    kind = "redis"

    def __init__(self, url: str, idle_seconds: float, lock_wait_s: float, lock_ttl_ms: int,
                 prefix: str = "crease:", max_session_bytes: int = 4 << 20,
                 sessions_per_address: int = 0, store_bytes: int = 1 << 30):
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.idle_ms = int(idle_seconds * 1000)
        self.lock_wait_s, self.lock_ttl_ms, self.prefix = lock_wait_s, lock_ttl_ms, prefix
        self.max_session_bytes, self.sessions_per_address = max_session_bytes, sessions_per_address
        self.store_bytes = store_bytes
        self._lock_and_read = self.client.register_script(_LOCK_AND_READ)
        self._read = self.client.register_script(_READ)
        self._release = self.client.register_script(_RELEASE)
        self._renew = self.client.register_script(_RENEW)
        self._put = self.client.register_script(_PUT)
        self._admit = self.client.register_script(_ADMIT)
        self._delete = self.client.register_script(_DELETE)
        self._keeper = LockKeeper(self._renew, lock_ttl_ms)

    def _key(self, sid: str) -> str:
        return f"{self.prefix}s:{sid}"

    def _lock_key(self, sid: str) -> str:
        return f"{self.prefix}l:{sid}"

    def _parts_key(self, sid: str) -> str:
        return f"{self.prefix}p:{sid}"

    def get(self, sid: str, held: Held | None = None) -> bytes | None:
        if held is not None and held.read:
            return held.take_read()
        with _answering():
            return self._read(keys=[self._key(sid), self._parts_key(sid)], args=[self.idle_ms])

    def get_part(self, sid: str, name: str) -> bytes | None:
        with _answering():
            return self.client.hget(self._parts_key(sid), name)

    def put(self, sid: str, blob: bytes, held: Held | None = None, release: bool = False,
            parts: PartsChange | None = None) -> None:
        self._write(sid, blob, held.token if held else "", None, release and held is not None, parts)
        if release and held is not None:
            held.released = True

    def create(self, sid: str, blob: bytes, owner: str, parts: PartsChange | None = None) -> None:
        self._write(sid, blob, "", owner, False, parts)

    def admit(self, owner: str) -> None:
        keys = [self.prefix + "live", self.prefix + "sizes", self.prefix + "bytes",
                f"{self.prefix}a:{owner}"]
        with _answering():
            answer = self._admit(keys=keys, args=[self.prefix, int(self.store_bytes * NEW_SHARE),
                                                  self.sessions_per_address])
        self._raise_refusal(answer)

    def _write(self, sid: str, blob: bytes, token: str, owner: str | None, release: bool,
               parts: PartsChange | None) -> None:
        parts = parts or PartsChange()
        least = len(blob) + sum(map(len, parts.set.values()))   # what the session holds at least
        if least > self.max_session_bytes:
            raise SessionTooLarge(least, self.max_session_bytes)
        keys = [self._key(sid), self._lock_key(sid), self.prefix + "live", self.prefix + "sizes",
                self.prefix + "bytes", "" if owner is None else f"{self.prefix}a:{owner}",
                self._parts_key(sid)]
        args = [token, blob, self.idle_ms, sid, self.prefix, int(self.store_bytes * NEW_SHARE),
                self.store_bytes, self.sessions_per_address, "1" if release else "",
                self.max_session_bytes, len(parts.drop), *parts.drop,
                *[item for pair in parts.set.items() for item in pair]]
        with _answering():
            answer = self._put(keys=keys, args=args)
        if answer[0] == -1:
            raise SessionBusy(sid)
        if answer[0] == 3:
            raise SessionTooLarge(int(answer[1]), self.max_session_bytes)
        self._raise_refusal(answer)

    def _raise_refusal(self, answer: list) -> None:
        if answer[0] == 1:
            raise TooManySessions(self.sessions_per_address, min(int(answer[1]), RETRY_AFTER_MAX_S))
        if answer[0] == 2:
            raise StoreFull(min(int(answer[1]), RETRY_AFTER_MAX_S))

    def delete(self, sid: str) -> bool:
        keys = [self._key(sid), self.prefix + "live", self.prefix + "sizes", self.prefix + "bytes",
                self._parts_key(sid)]
        with _answering():
            return bool(self._delete(keys=keys, args=[sid]))

    @contextmanager
    def lock(self, sid: str, read: bool = False) -> Iterator[Held]:
        key, token = self._lock_key(sid), secrets.token_hex(16)
        deadline, pause = time.monotonic() + self.lock_wait_s, 0.002
        held = Held(sid, token)

        def take() -> bool:
            if not read:
                return bool(self.client.set(key, token, nx=True, px=self.lock_ttl_ms))
            answer = self._lock_and_read(keys=[key, self._key(sid), self._parts_key(sid)],
                                         args=[token, self.lock_ttl_ms, self.idle_ms])
            if answer:   # a missing blob ends the list early: [1]
                held.read, held.blob = True, (answer[1] if len(answer) > 1 else None)
            return bool(answer)

        with _answering():
            while not take():
                if time.monotonic() >= deadline:
                    raise SessionBusy(sid)
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        self._keeper.hold(key, token)
        try:
            yield held
        finally:
            self._keeper.drop(key, token)
            try:
                if not held.released:
                    self._release(keys=[key], args=[token])
            except redis.RedisError:
                pass  # the lock expires by itself; the request's own outcome matters more

    def stats(self) -> dict:
        """Keys listed as live (some may have expired since) and their bytes."""
        with _answering():
            return {"sessions": self.client.zcard(self.prefix + "live"),
                    "bytes": int(self.client.get(self.prefix + "bytes") or 0)}

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r}, idle_ms={self.idle_ms})"
