"""A worker reuses the session object it saved instead of decoding the same
bytes (server/session_cache.py), and never when the store holds other bytes."""
from __future__ import annotations

import weakref

import numpy as np
import pytest

from server import sessions as sessions_module
from server.session_cache import SessionCache, footprint
from server.session_blob import Session
from server.sessions import Sessions

from .test_sessions import advance, create


def test_take_gives_the_object_only_for_the_same_bytes_and_only_once():
    kept = SessionCache(size=2)
    session = object()
    kept.keep("a", b"saved", session)
    assert kept.take("a", b"other") is None
    assert kept.take("a", b"saved") is None        # the mismatch dropped it
    kept.keep("a", b"saved", session)
    assert kept.take("a", bytes(b"saved")) is session
    assert kept.take("a", b"saved") is None        # in use until kept again
    for sid in "abc":
        kept.keep(sid, b"x", session)
    assert len(kept) == 2 and kept.take("a", b"x") is None   # least recently kept went first


def test_the_kept_bytes_stay_under_their_limit():
    kept = SessionCache(size=10, max_bytes=100)
    for sid in "abcd":
        kept.keep(sid, bytes(30), object())
    assert len(kept) == 3                                     # 90 bytes; "a" went at 120
    assert kept.take("a", bytes(30)) is None and kept.take("b", bytes(30)) is not None
    kept.keep("c", bytes(80), object())                       # replaces c's 30: 110, so d goes
    assert len(kept) == 1 and kept.take("c", bytes(80)) is not None
    kept.keep("big", bytes(101), object())                    # alone over the limit: not kept
    assert len(kept) == 0


def test_footprint_counts_each_buffer_once():
    a = np.zeros(1000)
    holder = Session.__new__(Session)
    holder.__dict__.update(run=[a, a[:10], {"b": np.ones((3, 4), np.float32)}], data={}, revision=1,
                           extent=(a.reshape(10, 100).T,))
    assert footprint(holder) == 8000 + 48
    assert footprint(object()) == 0 and footprint(a[5:]) == 8000


class Lent:
    """A session stand-in (the kept objects are referred to weakly while lent)."""


def test_a_session_given_back_is_not_walked_again(monkeypatch):
    """Its arrays are the ones counted when it was kept (training reuses
    them); walking it again cost a frame up to 1.3 ms once its history
    held 2,000 epochs of Python numbers."""
    from server import session_cache as decoded
    walks = []
    monkeypatch.setattr(decoded, "footprint", lambda obj: walks.append(obj) or 1000)
    kept = SessionCache(size=4, max_bytes=1100)
    session, other = Lent(), Lent()
    kept.keep("a", bytes(10), session)
    assert kept.take("a", bytes(10)) is session
    kept.keep("a", bytes(20), session)                  # given back: counted, not walked
    assert walks == [session] and kept.take("a", bytes(20)) is session
    kept.keep("a", bytes(101), session)                 # 1101 bytes: over the bound
    assert len(kept) == 0 and walks == [session]
    kept.keep("b", bytes(10), other)
    assert kept.take("b", bytes(10)) is other
    kept.keep("b", bytes(10), session)                  # another object: walked
    assert walks == [session, other, session]
    assert kept.take("a", bytes(101)) is None and kept.take("b", bytes(10)) is session


def test_a_session_never_given_back_is_not_kept_alive():
    kept = SessionCache(size=4)
    kept.keep("a", b"x", Lent())
    lent = weakref.ref(kept.take("a", b"x"))
    assert lent() is None          # the failed request dropped it, and so did the cache


def test_a_decoded_run_counts_what_it_holds_not_its_bytes(app, client):
    sid, _ = create(client, {"data": {"n": 2000}, "network": {"hidden": [64]}})
    advance(client, sid, steps=1)
    sessions = app.extensions["crease"].sessions
    blob = sessions.store.get(sid)
    session = sessions.decoded.take(sid, blob)
    held = footprint(session)
    # activations of 1,600 training points kept for the next step: many times the bytes
    assert held > 10 * len(blob)
    kept = SessionCache(max_bytes=len(blob) + held)
    kept.keep(sid, blob, session)
    assert len(kept) == 1
    smaller = SessionCache(max_bytes=len(blob) + held - 1)
    smaller.keep(sid, blob, session)
    assert len(smaller) == 0 and smaller.take(sid, blob) is None


@pytest.fixture
def decodes(monkeypatch):
    """Counts Session.from_bytes calls."""
    calls = []
    original = Session.from_bytes.__func__
    monkeypatch.setattr(Session, "from_bytes",
                        classmethod(lambda cls, blob: calls.append(len(blob)) or original(cls, blob)))
    return calls


def test_a_run_of_advances_decodes_once_and_matches_decoding_every_time(app, client, decodes,
                                                                        monkeypatch):
    sid, _ = create(client)
    frames = [advance(client, sid, epochs=1) for _ in range(4)]
    assert len(decodes) == 1          # the first advance; the next three took the kept object
    # the same requests on a twin session, decoding every time
    twin, _ = create(client)
    monkeypatch.setattr(SessionCache, "take", lambda self, sid, blob: None)
    decodes.clear()
    twins = [advance(client, twin, epochs=1) for _ in range(4)]
    assert len(decodes) == 4
    for a, b in zip(frames, twins):
        for key in ("counters", "metrics", "history", "weights", "grid", "lines", "boundary"):
            assert a[key] == b[key], key


def test_another_workers_save_is_never_hidden_by_a_kept_object(app, client, decodes):
    crease = app.extensions["crease"]
    first = crease.sessions
    second = Sessions(crease.store, crease.config)   # another worker on the same store
    sid, _ = create(client)
    assert advance(client, sid, epochs=1)["counters"]["epoch"] == 1
    crease.sessions = second
    assert advance(client, sid, epochs=1)["counters"]["epoch"] == 2
    crease.sessions = first
    # this worker kept its object of epoch 1; the store holds epoch 2
    assert advance(client, sid, epochs=1)["counters"]["epoch"] == 3
    assert len(decodes) == 3


def test_a_failed_request_leaves_nothing_to_reuse(app, client, decodes, monkeypatch,
                                                  expect_internal_error):
    sid, _ = create(client)
    advance(client, sid, epochs=1)

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")
    monkeypatch.setattr(sessions_module.frames, "build", broken)
    assert client.post(f"/api/sessions/{sid}/advance", json={"epochs": 1}).status_code == 500
    monkeypatch.undo()
    # the failed request trained its object but saved nothing: it must not come back
    assert advance(client, sid, epochs=1)["counters"]["epoch"] == 2
