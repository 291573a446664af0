"""A session's bytes: the run's settings are stored once, in its checkpoint,
and a session saved in the earlier format (settings beside the checkpoint)
still loads, its settings then read from the run."""
from __future__ import annotations

import json
import struct

from engine.checkpoint import run_to_bytes
from server.session_blob import SESSION_MAGIC, Session

from .test_sessions import create


def header(blob: bytes) -> dict:
    (size,) = struct.unpack_from("<I", blob, 4)
    return json.loads(blob[8:8 + size])


def old_format(session: Session, settings: dict) -> bytes:
    """The bytes as a session was saved before its settings were read from its run."""
    meta = json.dumps({"settings": settings, "revision": session.revision,
                       "extent": session.extent}).encode()
    return SESSION_MAGIC + struct.pack("<I", len(meta)) + meta + run_to_bytes(session.run)


def test_the_training_settings_are_stored_once(app, client):
    sid, _ = create(client, {"training": {"optimizer": "adam", "lr": 0.01}, "seed": 5})
    client.post(f"/api/sessions/{sid}/reset", json={"seed": 9})
    blob = app.extensions["crease"].store.get(sid)
    meta = header(blob)
    # the timeline of past epochs (server/replay.py) lies between the header and the run
    assert meta.pop("timeline") > 0
    assert Session.from_bytes(blob).timeline.epochs == [0]
    assert meta == {"data": {"source": "generated", "name": "circle", "n": 400,
                                     "noise": None, "classes": None, "val_share": 0.25, "seed": 1},
                            "revision": 1, "extent": [-6.0, 6.0, -6.0, 6.0]}
    settings = client.get(f"/api/sessions/{sid}").json["settings"]
    assert settings["seed"] == 9
    assert settings["training"]["optimizer"] == "adam" and settings["training"]["lr"] == 0.01


def test_a_session_saved_in_the_earlier_format_loads(any_app):
    """On Redis too, where sessions saved before this format outlive a deploy."""
    app, client = any_app, any_app.test_client()
    sid, _ = create(client, {"network": {"hidden": [3], "activations": ["tanh"]},
                             "training": {"lr": 0.1, "batch_size": 4}, "seed": 3})
    store = app.extensions["crease"].store
    session = Session.from_bytes(store.get(sid))
    stale = {"data": {"source": "points"}, "seed": 1,   # the seed before a reset, as info() patched
             "network": {"hidden": [3], "activations": ["tanh"], "output": "softmax", "init": "homework"},
             "training": {"optimizer": "sgd", "lr": 0.1, "momentum": 0.0, "batch_size": 4,
                          "weight_decay": 0.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                          "reduction": "mean", "dtype": "float64"}}
    with store.lock(sid) as held:
        store.put(sid, old_format(session, stale), held)
    settings = client.get(f"/api/sessions/{sid}").json["settings"]
    assert settings == {**stale, "seed": 3}
    response = client.patch(f"/api/sessions/{sid}/training", json={"momentum": 0.5})
    assert response.status_code == 200
    # saved before sessions kept their past epochs: it keeps none until the next epoch ends
    assert header(store.get(sid)) == {"data": {"source": "points"}, "revision": 1,
                                      "extent": session.extent, "timeline": 0}
    assert client.get(f"/api/sessions/{sid}").json["settings"]["training"]["momentum"] == 0.5


def test_a_blob_round_trips(app, client):
    sid, _ = create(client)
    blob = app.extensions["crease"].store.get(sid)
    assert Session.from_bytes(blob).to_bytes() == blob
