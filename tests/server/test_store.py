"""The store contract, run against the memory store and a real Redis."""
from __future__ import annotations

import threading
import time

import pytest

from server.errors import SessionBusy, SessionTooLarge, StoreFull, StoreUnavailable, TooManySessions
from server.store import MemoryStore, PartsChange, new_session_id
from server.store.memory import MAPPED_FROM
from server.store.redis_store import RedisStore

from .servers import commands_sent, free_port

IDLE = 0.3   # seconds; short so that expiry is observable


@pytest.fixture(params=["memory", "redis"])
def make_store(request):
    def make(idle=60.0, wait=1.0):
        if request.param == "memory":
            return MemoryStore(100, 10**6, idle, wait)
        return RedisStore(request.getfixturevalue("redis_url"), idle, wait, lock_ttl_ms=2000)
    return make


@pytest.fixture
def store(make_store):
    return make_store()


def test_unknown_session_is_none(store):
    assert store.get(new_session_id()) is None


def test_put_get_replace_delete(store):
    sid = new_session_id()
    store.put(sid, b"one")
    assert store.get(sid) == b"one"
    store.put(sid, b"two\x00\xff")
    assert store.get(sid) == b"two\x00\xff"
    assert store.delete(sid) is True
    assert store.get(sid) is None
    assert store.delete(sid) is False


@pytest.mark.parametrize("size", [MAPPED_FROM - 1, MAPPED_FROM, 3 * MAPPED_FROM + 5])
def test_blobs_on_either_side_of_the_mapped_size_come_back_exact(store, size):
    sid, blob = new_session_id(), bytes(range(256)) * (size // 256) + b"\x07" * (size % 256)
    store.put(sid, blob)
    got = store.get(sid)
    assert type(got) is bytes and got == blob
    store.put(sid, blob[::-1])
    assert store.get(sid) == blob[::-1]


def test_sessions_are_independent(store):
    a, b = new_session_id(), new_session_id()
    store.put(a, b"a")
    store.put(b, b"b")
    store.delete(a)
    assert store.get(b) == b"b"


def test_idle_sessions_expire_and_reading_keeps_them(make_store):
    store = make_store(idle=IDLE)
    read, unread = new_session_id(), new_session_id()
    store.put(read, b"r")
    store.put(unread, b"u")
    for _ in range(3):              # 3 x 0.15 s > IDLE, but each read refreshes
        time.sleep(IDLE / 2)
        assert store.get(read) == b"r"
    assert store.get(unread) is None


def test_lock_serialises_read_modify_write(store):
    """Two threads add 1 fifty times each under the lock: nothing is lost."""
    sid = new_session_id()
    store.put(sid, b"0")

    def bump():
        for _ in range(50):
            with store.lock(sid) as held:
                value = int(store.get(sid))
                time.sleep(0.0005)   # widen the window a lost update would need
                store.put(sid, str(value + 1).encode(), held)

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get(sid) == b"100"


def test_lock_wait_ends_in_session_busy(make_store):
    store = make_store(wait=0.2)
    sid = new_session_id()
    taken, release = threading.Event(), threading.Event()

    def hold():
        with store.lock(sid):
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    started = time.monotonic()
    with pytest.raises(SessionBusy):
        with store.lock(sid):
            pass
    assert 0.15 < time.monotonic() - started < 2
    release.set()
    holder.join()
    with store.lock(sid):     # free again
        pass


def test_lock_is_released_when_the_block_fails(store):
    sid = new_session_id()
    with pytest.raises(RuntimeError):
        with store.lock(sid):
            raise RuntimeError("boom")
    with store.lock(sid):
        pass


def test_a_write_can_release_the_lock_with_it(make_store):
    """The block's last write may release its lock at once (on Redis in the
    same round trip); the block's end then releases nothing more."""
    store = make_store(wait=0.2)
    sid = new_session_id()
    with store.lock(sid) as held:
        store.put(sid, b"done", held, release=True)
        with store.lock(sid) as after:          # free already, no wait
            store.put(sid, b"next", after)
            with pytest.raises(SessionBusy):    # and held by the next block, not freed by the first
                with store.lock(sid):
                    pass
    assert store.get(sid) == b"next"
    with store.lock(sid):
        pass


def test_redis_write_and_release_are_one_round_trip(redis_url, monkeypatch):
    store = RedisStore(redis_url, 60, lock_wait_s=1, lock_ttl_ms=2000)
    sid = new_session_id()
    sent = commands_sent(store.client, monkeypatch)
    with store.lock(sid) as held:
        store.put(sid, b"x", held, release=True)
    assert [c for c in sent if c != "SCRIPT LOAD"] == ["SET", "EVALSHA"]
    assert store.client.exists(store._lock_key(sid)) == 0


def test_a_lock_can_read_the_session_as_it_is_taken(store):
    sid, missing = new_session_id(), new_session_id()
    store.put(sid, b"saved")
    with store.lock(sid, read=True) as held:
        assert store.get(sid, held) == b"saved"
        store.put(sid, b"changed", held)
        assert store.get(sid, held) == b"changed"       # what was read is handed out once
    with store.lock(missing, read=True) as held:
        assert store.get(missing, held) is None


def test_redis_a_request_on_a_session_is_two_round_trips(redis_url, monkeypatch):
    """Lock and read in one, write and release in another."""
    store = RedisStore(redis_url, 60, lock_wait_s=1, lock_ttl_ms=2000)
    sid = new_session_id()
    store.put(sid, b"saved")
    sent = commands_sent(store.client, monkeypatch)
    with store.lock(sid, read=True) as held:
        assert store.get(sid, held) == b"saved"
        store.put(sid, b"x", held, release=True)
    assert [c for c in sent if c != "SCRIPT LOAD"] == ["EVALSHA", "EVALSHA"]
    assert store.client.exists(store._lock_key(sid)) == 0 and store.get(sid) == b"x"


def test_locks_of_different_sessions_do_not_block(make_store):
    store = make_store(wait=0.1)
    with store.lock(new_session_id()):
        with store.lock(new_session_id()):
            pass


def test_ping(store):
    assert store.ping() is True


def test_session_ids_are_long_and_unique():
    ids = {new_session_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) >= 22 and set(i) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for i in ids)


# --- parts: named bytes of a session, written with its blob ---------------------------

def test_parts_are_written_with_the_blob_and_read_one_at_a_time(store):
    sid = new_session_id()
    store.put(sid, b"index", parts=PartsChange(set={"0.0": b"zero", "0.1": b"one\x00"}))
    assert (store.get_part(sid, "0.0"), store.get_part(sid, "0.1")) == (b"zero", b"one\x00")
    store.put(sid, b"index 2")                               # a write without parts keeps them
    assert store.get_part(sid, "0.1") == b"one\x00"
    with store.lock(sid, read=True) as held:
        assert store.get(sid, held) == b"index 2"
        store.put(sid, b"index 3", held, release=True,
                  parts=PartsChange(set={"0.2": b"two", "0.0": b"ZERO"}, drop=["0.1", "never"]))
    assert [store.get_part(sid, n) for n in ("0.0", "0.1", "0.2")] == [b"ZERO", None, b"two"]
    assert store.get(sid) == b"index 3" and store.get_part(new_session_id(), "0.0") is None


def test_a_name_both_set_and_dropped_is_set(store):
    sid = new_session_id()
    store.put(sid, b"i", parts=PartsChange(set={"a": b"old"}))
    store.put(sid, b"i", parts=PartsChange(set={"a": b"new"}, drop=["a"]))
    assert store.get_part(sid, "a") == b"new"


def test_a_new_session_is_created_with_its_parts(store):
    sid = new_session_id()
    store.create(sid, b"index", "10.0.0.1", PartsChange(set={"0.0": b"zero"}))
    assert store.get(sid) == b"index" and store.get_part(sid, "0.0") == b"zero"


def test_parts_count_in_the_bytes_and_give_them_back_on_delete(store):
    sid = new_session_id()
    store.put(sid, b"b" * 100, parts=PartsChange(set={"x": b"x" * 50, "y": b"y" * 30}))
    assert store.stats()["bytes"] == 180
    store.put(sid, b"b" * 90, parts=PartsChange(set={"x": b"x" * 70}, drop=["y"]))
    assert store.stats()["bytes"] == 160
    store.put(sid, b"b" * 10)
    assert store.stats()["bytes"] == 80
    assert store.delete(sid) is True
    assert store.stats()["bytes"] == 0
    assert store.get_part(sid, "x") is None
    store.put(sid, b"again")                                 # the same id new: no part comes back
    assert store.get_part(sid, "x") is None and store.stats()["bytes"] == 5


def test_parts_expire_with_their_session_and_reading_it_keeps_them(make_store):
    store = make_store(idle=IDLE)
    read, unread = new_session_id(), new_session_id()
    store.put(read, b"r", parts=PartsChange(set={"p": b"rp" * 10}))
    store.put(unread, b"u", parts=PartsChange(set={"p": b"up" * 10}))
    for k in range(4):              # 4 x 0.15 s > IDLE, but each read refreshes, a lock's read too
        time.sleep(IDLE / 2)
        if k % 2:
            assert store.get(read) == b"r"
        else:
            with store.lock(read, read=True) as held:
                assert store.get(read, held) == b"r"
    assert store.get_part(read, "p") == b"rp" * 10
    assert store.get(unread) is None and store.get_part(unread, "p") is None
    time.sleep(IDLE * 1.5)
    assert store.get_part(read, "p") is None
    store.put(new_session_id(), b"n")                        # gone ones' bytes came back
    assert store.stats()["bytes"] == 1


def test_redis_parts_expire_together_with_the_blob(redis_url):
    store = RedisStore(redis_url, 60, lock_wait_s=1, lock_ttl_ms=2000)
    sid = new_session_id()
    store.put(sid, b"i", parts=PartsChange(set={"p": b"part"}))
    blob_ttl, parts_ttl = store.client.pttl(store._key(sid)), store.client.pttl(store._parts_key(sid))
    assert 59_000 < blob_ttl <= 60_000 and abs(blob_ttl - parts_ttl) < 50
    store.client.pexpire(store._parts_key(sid), 1000)          # as if set long ago
    store.get(sid)
    assert store.client.pttl(store._parts_key(sid)) > 59_000


def test_redis_a_lost_lock_writes_neither_blob_nor_parts(redis_url):
    store = RedisStore(redis_url, 60, lock_wait_s=2, lock_ttl_ms=100)
    sid = new_session_id()
    store.put(sid, b"0", parts=PartsChange(set={"kept": b"k"}))
    with store.lock(sid) as stale:
        store.client.delete(store._lock_key(sid))
        with store.lock(sid) as fresh:
            store.put(sid, b"fresh", fresh)
        with pytest.raises(SessionBusy):
            store.put(sid, b"stale", stale, parts=PartsChange(set={"new": b"n"}, drop=["kept"]))
    assert (store.get(sid), store.get_part(sid, "kept"), store.get_part(sid, "new")) == (b"fresh", b"k", None)
    assert store.stats()["bytes"] == len(b"fresh") + 1


def test_redis_parts_go_in_the_same_round_trip(redis_url, monkeypatch):
    store = RedisStore(redis_url, 60, lock_wait_s=1, lock_ttl_ms=2000)
    sid = new_session_id()
    store.put(sid, b"saved")
    sent = commands_sent(store.client, monkeypatch)
    with store.lock(sid, read=True) as held:
        store.get(sid, held)
        store.put(sid, b"x", held, release=True, parts=PartsChange(set={"p": b"p"}))
    assert [c for c in sent if c != "SCRIPT LOAD"] == ["EVALSHA", "EVALSHA"]
    assert store.get_part(sid, "p") == b"p"


def test_redis_the_session_bound_counts_its_parts(redis_url):
    store = bounded_store(redis_url, max_session_bytes=1000)
    sid = new_session_id()
    store.create(sid, b"x" * 600, "10.0.0.1", PartsChange(set={"a": b"a" * 300}))
    with pytest.raises(SessionTooLarge) as refused:          # 600 + 300 + 200 stored
        store.put(sid, b"x" * 600, parts=PartsChange(set={"b": b"b" * 200}))
    assert refused.value.size == 1100 and refused.value.limit == 1000
    with pytest.raises(SessionTooLarge) as refused:          # known before asking Redis
        store.put(sid, b"x" * 600, parts=PartsChange(set={"b": b"b" * 500}))
    assert refused.value.size == 1100
    assert store.get_part(sid, "b") is None and store.stats()["bytes"] == 900
    store.put(sid, b"x" * 600, parts=PartsChange(set={"b": b"b" * 200}, drop=["a"]))
    assert store.stats()["bytes"] == 800 and store.get_part(sid, "a") is None


def test_redis_the_store_bound_counts_parts(redis_url):
    store = bounded_store(redis_url, store_bytes=10_000)
    sid = new_session_id()
    store.create(sid, b"x" * 100, "10.0.0.1", PartsChange(set={"a": b"a" * 8800}))
    with pytest.raises(StoreFull):                           # new ones stop at 9,000 in all
        store.create(new_session_id(), b"x" * 200, "10.0.0.2")
    with pytest.raises(StoreFull):                           # and a stored one grows up to 10,000
        store.put(sid, b"x" * 100, parts=PartsChange(set={"b": b"b" * 1200}))
    store.put(sid, b"x" * 100, parts=PartsChange(set={"b": b"b" * 1000}))
    assert store.stats()["bytes"] == 9900


# --- memory store: bounds --------------------------------------------------------

def test_memory_store_evicts_least_recently_used_by_count():
    store = MemoryStore(max_sessions=3, max_bytes=10**6, idle_seconds=60, lock_wait_s=1)
    ids = [new_session_id() for _ in range(4)]
    for sid in ids[:3]:
        store.put(sid, b"x")
    store.get(ids[0])                 # ids[1] is now the least recently used
    store.put(ids[3], b"x")
    assert [store.get(s) is not None for s in ids] == [True, False, True, True]
    assert store.stats()["sessions"] == 3


def test_memory_store_stays_within_its_byte_bound():
    store = MemoryStore(max_sessions=1000, max_bytes=1000, idle_seconds=60, lock_wait_s=1)
    ids = [new_session_id() for _ in range(30)]
    for sid in ids:
        store.put(sid, b"x" * 100)
        assert store.stats()["bytes"] <= 1000
    assert store.stats() == {"sessions": 10, "bytes": 1000, "locks": 0}
    assert store.get(ids[-1]) is not None and store.get(ids[0]) is None


def test_memory_store_byte_bound_counts_parts_and_evicts_them_with_their_session():
    store = MemoryStore(max_sessions=1000, max_bytes=1000, idle_seconds=60, lock_wait_s=1)
    old, new = new_session_id(), new_session_id()
    store.put(old, b"o" * 100, parts=PartsChange(set={"p": b"p" * 500}))
    store.put(new, b"n" * 100, parts=PartsChange(set={"p": b"p" * 500}))
    assert store.get(old) is None and store.get_part(old, "p") is None
    assert store.get_part(new, "p") == b"p" * 500
    assert store.stats() == {"sessions": 1, "bytes": 600, "locks": 0}


def test_memory_store_drops_idle_sessions_oldest_first():
    now = [0.0]
    store = MemoryStore(100, 10**6, idle_seconds=10, lock_wait_s=1, clock=lambda: now[0])
    old, newer = new_session_id(), new_session_id()
    store.put(old, b"o")
    now[0] = 5
    store.put(newer, b"n")
    now[0] = 11
    assert store.get(old) is None and store.get(newer) == b"n"
    assert store.stats()["sessions"] == 1


def test_memory_store_forgets_lock_entries():
    store = MemoryStore(100, 10**6, 60, 1)
    for _ in range(20):
        with store.lock(new_session_id()):
            pass
    assert store.stats()["locks"] == 0


# --- Redis store: lock expiry, fencing, outage ---------------------------------------

def test_redis_lock_of_a_dead_holder_expires(redis_url):
    store = RedisStore(redis_url, 60, lock_wait_s=2, lock_ttl_ms=300)
    sid = new_session_id()
    store.client.set(store._lock_key(sid), "someone-else", px=300)   # a worker that died
    started = time.monotonic()
    with store.lock(sid):
        pass
    assert 0.1 < time.monotonic() - started < 1.5


def test_redis_put_refuses_after_the_lock_was_lost(redis_url):
    """A stalled request whose lock expired and went to another request must
    not overwrite that request's work."""
    store = RedisStore(redis_url, 60, lock_wait_s=2, lock_ttl_ms=100)
    sid = new_session_id()
    store.put(sid, b"0")
    with store.lock(sid) as stale:
        # the lock expires while its whole process is frozen (renewer included)
        store.client.delete(store._lock_key(sid))
        with store.lock(sid) as fresh:                   # and someone else takes it
            store.put(sid, b"fresh", fresh)
        with pytest.raises(SessionBusy):
            store.put(sid, b"stale", stale)
    assert store.get(sid) == b"fresh"


def test_redis_down_raises_store_unavailable():
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", 60, 0.2, 1000)
    assert store.ping() is False
    for call in (lambda: store.get(new_session_id()), lambda: store.put(new_session_id(), b"x"),
                 lambda: store.delete(new_session_id())):
        with pytest.raises(StoreUnavailable):
            call()
    with pytest.raises(StoreUnavailable):
        with store.lock(new_session_id()):
            pass


def test_redis_lock_is_renewed_while_its_holder_works(redis_url):
    """A request that works longer than the lock's TTL keeps the lock: nobody
    else takes it meanwhile, and its write goes through."""
    store = RedisStore(redis_url, 60, lock_wait_s=0.2, lock_ttl_ms=1000)
    sid = new_session_id()
    store.put(sid, b"0")
    with store.lock(sid) as held:
        for _ in range(2):                               # 2 x 1.2 s, each past the TTL
            time.sleep(1.2)
            with pytest.raises(SessionBusy):
                with store.lock(sid):
                    pass
        store.put(sid, b"slow but kept", held)
    assert store.get(sid) == b"slow but kept"
    with store.lock(sid):                                # released at the end
        pass


def test_redis_lock_renewal_stops_with_the_block(redis_url):
    """Once the block ends nothing renews its lock (were its release lost, the
    lock would still expire), and locks share one renewing thread."""
    store = RedisStore(redis_url, 60, lock_wait_s=1, lock_ttl_ms=150)
    sid = new_session_id()
    before = threading.active_count()
    with store.lock(sid) as held:
        time.sleep(0.3)                                  # renewed meanwhile: still ours
        assert store.client.get(store._lock_key(sid)) == held.token.encode()
    assert store.client.exists(store._lock_key(sid)) == 0
    store.client.set(store._lock_key(sid), held.token, px=150)   # as if the release were lost
    assert wait_for(lambda: store.client.exists(store._lock_key(sid)) == 0)
    for _ in range(20):
        with store.lock(new_session_id()):
            pass
    assert threading.active_count() <= before + 1


def wait_for(predicate, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


# --- Redis store: bytes per session, sessions per address, bytes in all -------------

def bounded_store(redis_url, idle=60.0, **bounds):
    return RedisStore(redis_url, idle, lock_wait_s=1, lock_ttl_ms=2000, **bounds)


def test_redis_refuses_a_session_larger_than_its_cap(redis_url):
    store = bounded_store(redis_url, max_session_bytes=1000)
    sid = new_session_id()
    with pytest.raises(SessionTooLarge) as refused:
        store.create(sid, b"x" * 1001, "10.0.0.1")
    assert refused.value.size == 1001 and refused.value.limit == 1000
    store.create(sid, b"x" * 1000, "10.0.0.1")
    with store.lock(sid) as held:
        with pytest.raises(SessionTooLarge):
            store.put(sid, b"y" * 1001, held)
    assert store.get(sid) == b"x" * 1000 and store.stats()["bytes"] == 1000


def test_redis_caps_the_live_sessions_of_one_address(redis_url):
    store = bounded_store(redis_url, sessions_per_address=3)
    mine = [new_session_id() for _ in range(3)]
    for sid in mine:
        store.create(sid, b"s", "10.0.0.1")
    with pytest.raises(TooManySessions) as refused:
        store.create(new_session_id(), b"s", "10.0.0.1")
    assert refused.value.limit == 3 and 1 <= refused.value.retry_after <= 60
    store.create(new_session_id(), b"s", "10.0.0.2")        # another address is not held
    store.delete(mine[0])                                   # a session gone frees its place
    store.create(new_session_id(), b"s", "10.0.0.1")
    assert all(store.get(sid) == b"s" for sid in mine[1:])


def test_redis_sessions_of_an_address_count_until_they_expire(redis_url):
    store = bounded_store(redis_url, idle=IDLE, sessions_per_address=2)
    for _ in range(2):
        store.create(new_session_id(), b"s", "10.0.0.1")
    with pytest.raises(TooManySessions):
        store.create(new_session_id(), b"s", "10.0.0.1")
    time.sleep(IDLE * 1.5)
    store.create(new_session_id(), b"s", "10.0.0.1")


def test_redis_full_store_refuses_new_sessions_and_keeps_the_old_ones(redis_url):
    """New sessions stop at 90% of the bound; the rest is room for stored ones to grow."""
    store = bounded_store(redis_url, store_bytes=10_000)
    kept = []
    for _ in range(9):
        kept.append(new_session_id())
        store.create(kept[-1], b"x" * 1000, f"10.0.1.{len(kept)}")
    with pytest.raises(StoreFull) as refused:
        store.create(new_session_id(), b"x" * 1000, "10.0.2.1")
    assert 1 <= refused.value.retry_after <= 60
    with pytest.raises(StoreFull):                     # experiment parts are new keys too
        store.put(new_session_id(), b"x" * 1000)
    with store.lock(kept[0]) as held:                   # grows into the last 10%
        store.put(kept[0], b"y" * 2000, held)
    with store.lock(kept[1]) as held:                   # but not past the bound
        with pytest.raises(StoreFull):
            store.put(kept[1], b"y" * 1001, held)
        store.put(kept[1], b"z" * 500, held)            # shrinking is always allowed
    assert store.get(kept[0]) == b"y" * 2000 and store.get(kept[1]) == b"z" * 500
    assert store.stats()["bytes"] == 9 * 1000 + 1000 - 500


def test_redis_expired_and_deleted_sessions_give_their_bytes_back(redis_url):
    store = bounded_store(redis_url, idle=IDLE, store_bytes=10_000)
    ids = [new_session_id() for _ in range(9)]
    for sid in ids:
        store.create(sid, b"x" * 1000, "10.0.0.1")
    store.delete(ids[0])
    assert store.stats()["bytes"] == 8000
    store.create(new_session_id(), b"x" * 1000, "10.0.0.1")
    time.sleep(IDLE * 1.5)
    for _ in range(9):
        store.create(new_session_id(), b"x" * 1000, "10.0.0.1")
    assert store.stats() == {"sessions": 9, "bytes": 9000}


def test_redis_store_bounds_come_from_the_config(redis_url):
    from server.config import Config
    from server.store import make_store
    store = make_store(Config.from_mapping({"REDIS_URL": redis_url, "SESSION_MAX_KB": 64,
                                            "SESSIONS_PER_ADDRESS": 2, "CLIENTS_PER_ADDRESS": 30,
                                            "REDIS_STORE_MB": 3}))
    assert (store.max_session_bytes, store.sessions_per_address, store.store_bytes) == (
        64 * 1024, 60, 3 * 1024 * 1024)


def test_redis_admit_says_early_whether_a_new_session_would_be_refused(redis_url):
    store = bounded_store(redis_url, sessions_per_address=1, store_bytes=10_000)
    store.admit("10.0.0.1")
    store.create(new_session_id(), b"x" * 200, "10.0.0.1")
    with pytest.raises(TooManySessions):
        store.admit("10.0.0.1")
    store.admit("10.0.0.2")
    for k in range(8):
        store.create(new_session_id(), b"x" * 1100, f"10.0.1.{k}")
    with pytest.raises(StoreFull):                      # 9,000 bytes: new ones stop at 9,000
        store.admit("10.0.0.3")
