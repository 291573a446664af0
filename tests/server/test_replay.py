"""A session's past epochs through the API (server/replay.py): kept as it
trains, drawn again, continued from exactly, within the operator's bound."""
from __future__ import annotations

import numpy as np
import pytest

from engine.network import layer_params
from server.config import Config, ConfigError
from server.session_blob import Session
from server.store import PartsChange

from . import framedecode as fd
from .apicheck import CheckedClient
from .cases import SMALL, in_process_run
from .test_bad_input import assert_error

ADAM = {**SMALL, "training": {"optimizer": "adam", "lr": 0.05, "batch_size": 3}}


@pytest.fixture
def api(any_app):
    return CheckedClient(any_app)


def create(api, body=SMALL) -> str:
    response = api.post("/api/sessions", json=body)
    assert response.status_code == 201, response.json
    return response.json["session"]


def ok(response) -> dict:
    assert response.status_code == 200, response.json
    return response.json


def kept(api, sid) -> list[int]:
    return ok(api.get(f"/api/sessions/{sid}/replay"))["epochs"]


def stored(app, sid):
    """(the session's timeline as stored, the store's bytes in all)."""
    store = app.extensions["crease"].store
    return Session.from_bytes(store.get(sid)).timeline, store.stats()["bytes"]


def assert_parts_are_the_kept_checkpoints(app, sid):
    """The store holds the session's blob and one part per kept epoch, no more."""
    store = app.extensions["crease"].store
    blob = store.get(sid)
    timeline, total = stored(app, sid)
    assert total == len(blob) + timeline.nbytes
    for epoch in timeline.epochs:
        assert store.get_part(sid, timeline.name(epoch)) is not None


def exact_weights(frame) -> list[np.ndarray]:
    return [w for pair in fd.weights(frame) for w in pair]


def assert_same(a: list[np.ndarray], b: list[np.ndarray]):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_each_epoch_is_kept_as_it_ends_from_the_first(api):
    sid = create(api)
    assert kept(api, sid) == [0]
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 4}))
    # 8 points in batches of 3: 3 steps an epoch; 7 steps end epochs 5 and 6, not 7
    ok(api.post(f"/api/sessions/{sid}/advance", json={"steps": 7}))
    assert kept(api, sid) == [0, 1, 2, 3, 4, 5, 6]
    info = ok(api.get(f"/api/sessions/{sid}/replay"))
    assert info["max_checkpoints"] == 200 and info["max_bytes"] == 512 * 1024 and info["refused"] == 0
    assert 0 < info["bytes"] <= info["max_bytes"]


def test_a_batch_size_changed_mid_epoch_still_trains_and_keeps_each_epoch(api):
    sid = create(api)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"steps": 2}))     # 2 of 8 points left
    ok(api.patch(f"/api/sessions/{sid}/training", json={"batch_size": 1}))
    frame = ok(api.post(f"/api/sessions/{sid}/advance", json={"steps": 12}))
    assert frame["advance"]["steps_done"] == 12 and frame["counters"]["epoch"] == 2   # 2 + 8 steps
    assert kept(api, sid) == [0, 1, 2]


def test_a_replayed_epoch_is_the_network_as_it_was_then(api):
    sid = create(api)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 9}))
    frame = ok(api.post(f"/api/sessions/{sid}/replay", json={"epoch": 4, "view": {"grid": 20}}))
    run = in_process_run()
    run.train_epochs(4)
    assert_same(exact_weights(frame), [w.ravel() if w.ndim == 1 else w for w in _pairs(run)])
    assert frame["counters"]["epoch"] == 4 and frame["history"]["epoch"] == [1, 2, 3, 4]
    assert frame["grid"]["resolution"] == 20
    # nothing changed: the session is still at epoch 9
    now = ok(api.post(f"/api/sessions/{sid}/frame", json={}))
    assert now["counters"]["epoch"] == 9 and kept(api, sid) == list(range(10))


def _pairs(run):
    return [a for W, W0 in layer_params(run.model) for a in (W, W0.ravel())]


@pytest.mark.parametrize("body", [SMALL, ADAM], ids=["sgd", "adam"])
def test_continuing_from_an_epoch_equals_the_uninterrupted_run(api, body):
    straight = create(api, body)
    ok(api.post(f"/api/sessions/{straight}/advance", json={"epochs": 11}))
    sid = create(api, body)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 9}))
    frame = ok(api.post(f"/api/sessions/{sid}/replay/continue", json={"epoch": 5}))
    assert frame["counters"] == {"step": 15, "epoch": 5, "batch_in_epoch": 0, "batches_per_epoch": 3}
    assert frame["history"]["epoch"] == [1, 2, 3, 4, 5]
    assert kept(api, sid) == [0, 1, 2, 3, 4, 5]
    mine = ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 6}))
    theirs = ok(api.post(f"/api/sessions/{straight}/frame", json={}))
    assert_same(exact_weights(mine), exact_weights(theirs))
    assert fd.weights(mine)[0][0].dtype == np.float64
    assert mine["history"] == ok(api.post(f"/api/sessions/{straight}/frame", json={}))["history"]
    assert kept(api, sid) == kept(api, straight) == list(range(12))


def test_a_new_run_starts_a_new_timeline_and_a_hand_edit_keeps_it(api):
    sid = create(api)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 3}))
    ok(api.put(f"/api/sessions/{sid}/weights", json={"layer": 0, "kind": "W0", "j": 0, "value": 0.5}))
    ok(api.patch(f"/api/sessions/{sid}/training", json={"lr": 0.2}))
    assert kept(api, sid) == [0, 1, 2, 3]
    # the older epochs keep the rate they were trained with
    assert ok(api.post(f"/api/sessions/{sid}/replay/continue", json={"epoch": 2}))["counters"]["epoch"] == 2
    assert ok(api.get(f"/api/sessions/{sid}"))["settings"]["training"]["lr"] == 0.1
    ok(api.post(f"/api/sessions/{sid}/points", json={"add": [{"x": [0.5, 0.5], "label": 1, "split": "train"}]}))
    assert kept(api, sid) == [2]   # the run goes on at epoch 2, on other points
    ok(api.post(f"/api/sessions/{sid}/reset", json={}))
    assert kept(api, sid) == [0]
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 2}))
    ok(api.put(f"/api/sessions/{sid}/network", json={"hidden": [3], "activations": ["relu"]}))
    assert kept(api, sid) == [0]


def test_each_checkpoint_is_a_part_of_the_session_stored_once(any_app):
    """The blob saved every frame holds only the timeline's index; the old
    timelines' checkpoints are deleted, and the session's with it."""
    api = CheckedClient(any_app)
    sid = create(api)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 6}))
    store = any_app.extensions["crease"].store
    session = Session.from_bytes(store.get(sid))
    assert len(store.get(sid)) < len(Session(session.run, session.data, 1, session.extent).to_bytes()) + 200
    assert_parts_are_the_kept_checkpoints(any_app, sid)
    ok(api.post(f"/api/sessions/{sid}/replay/continue", json={"epoch": 3}))
    assert_parts_are_the_kept_checkpoints(any_app, sid)
    for change in [("post", "/reset", {}), ("post", "/advance", {"epochs": 2}),
                   ("put", "/network", {"hidden": [3], "activations": ["relu"]}),
                   ("post", "/points", {"add": [{"x": [0.5, 0.5], "label": 1, "split": "train"}]})]:
        method, path, body = change
        ok(getattr(api, method)(f"/api/sessions/{sid}{path}", json=body))
        assert_parts_are_the_kept_checkpoints(any_app, sid)
    assert api.delete(f"/api/sessions/{sid}").status_code == 204
    assert store.stats()["bytes"] == 0


def test_a_checkpoint_lost_from_the_store_is_refused_and_no_longer_listed(any_app):
    api = CheckedClient(any_app)
    sid = create(api)
    ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 4}))
    store = any_app.extensions["crease"].store
    timeline = Session.from_bytes(store.get(sid)).timeline
    store.put(sid, store.get(sid), parts=PartsChange(drop=[timeline.name(2), timeline.name(3)]))
    for suffix, epoch, left in [("/replay", 2, [0, 1, 3, 4]), ("/replay/continue", 3, [0, 1, 4])]:
        response = api.post(f"/api/sessions/{sid}{suffix}", json={"epoch": epoch})
        assert_error(response, 400, "out_of_range", "epoch")
        assert "left the store" in response.json["message"] and str(left)[1:-1] in response.json["message"]
        assert kept(api, sid) == left
    assert ok(api.post(f"/api/sessions/{sid}/frame", json={}))["counters"]["epoch"] == 4
    assert ok(api.post(f"/api/sessions/{sid}/replay", json={"epoch": 1}))["counters"]["epoch"] == 1
    assert_parts_are_the_kept_checkpoints(any_app, sid)


def test_the_bound_holds_in_the_store(make_app):
    app = make_app(REPLAY_CHECKPOINTS=6, REPLAY_KB=2)
    api = CheckedClient(app)
    sid = create(api, ADAM)
    store = app.extensions["crease"].store
    for _ in range(25):
        ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 3}))
        timeline = Session.from_bytes(store.get(sid)).timeline
        assert len(timeline.epochs) <= 6 and timeline.nbytes <= 2048
        assert_parts_are_the_kept_checkpoints(app, sid)   # the thinned ones are deleted
        assert timeline.epochs[0] == 0 and timeline.epochs[-1] == 3 * (_ + 1)
    info = ok(api.get(f"/api/sessions/{sid}/replay"))
    assert info["epochs"] == timeline.epochs and info["bytes"] == timeline.nbytes
    # a thinned epoch is refused, naming the field; a kept one still replays
    assert_error(api.post(f"/api/sessions/{sid}/replay", json={"epoch": 1}), 400, "out_of_range", "epoch")
    assert ok(api.post(f"/api/sessions/{sid}/replay", json={"epoch": 0}))["counters"]["epoch"] == 0


def test_on_redis_the_timeline_leaves_the_session_within_its_cap(make_app, redis_url):
    """Checkpoints count toward SESSION_MAX_KB: the timeline keeps what the
    session's own bytes leave (an eighth spare), so training is never refused."""
    app = make_app(REDIS_URL=redis_url, SESSION_MAX_KB=8)
    api = CheckedClient(app)
    sid = create(api, ADAM)
    store = app.extensions["crease"].store
    for _ in range(15):
        ok(api.post(f"/api/sessions/{sid}/advance", json={"epochs": 4}))
        assert store.stats()["bytes"] <= 8 * 1024
    info = ok(api.get(f"/api/sessions/{sid}/replay"))
    assert info["max_bytes"] == 8 * 1024 - 1024 - len(store.get(sid))
    # (bounded by the bytes the session had as the request began: the history grew since)
    assert info["bytes"] <= info["max_bytes"] + 256 and info["epochs"][0] == 0 and info["epochs"][-1] == 60
    assert_parts_are_the_kept_checkpoints(app, sid)


def test_a_network_at_the_limits_keeps_no_epochs_and_says_so(api):
    body = {**SMALL, "network": {"hidden": [256, 256, 128], "activations": ["relu"] * 3}}
    sid = create(api, body)
    info = ok(api.get(f"/api/sessions/{sid}/replay"))
    assert info["epochs"] == [] and info["refused"] > info["max_bytes"] and info["bytes"] == 0
    response = api.post(f"/api/sessions/{sid}/replay", json={"epoch": 0})
    assert_error(response, 400, "out_of_range", "epoch")
    assert "none are kept" in response.json["message"]


@pytest.mark.parametrize("body, code, field", [
    ({}, "missing_field", "epoch"), ({"epoch": -1}, "out_of_range", "epoch"),
    ({"epoch": "3"}, "wrong_type", "epoch"), ({"epoch": 1.5}, "wrong_type", "epoch"),
    ({"epoch": 7}, "out_of_range", "epoch"), ({"epoch": 0, "later": 1}, "unknown_field", "later"),
])
@pytest.mark.parametrize("suffix", ["/replay", "/replay/continue"])
def test_bad_replay_requests(api, suffix, body, code, field):
    sid = create(api)
    assert_error(api.post(f"/api/sessions/{sid}{suffix}", json=body), 400, code, field)


@pytest.mark.parametrize("method, suffix, body", [
    ("GET", "/replay", None), ("POST", "/replay", {"epoch": 0}), ("POST", "/replay/continue", {"epoch": 0})])
def test_unknown_session_is_404(api, method, suffix, body):
    assert_error(api.open(method, f"/api/sessions/{'x' * 22}{suffix}", json=body), 404, "session_not_found")


@pytest.mark.parametrize("env", [{"REPLAY_CHECKPOINTS": "2"}, {"REPLAY_KB": "0"}])
def test_config_refuses_a_bound_too_small(env):
    with pytest.raises(ConfigError):
        Config.from_mapping(env)
