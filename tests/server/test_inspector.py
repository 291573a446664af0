"""The inspector's numbers through the session API: every backward value of
one SGD step against finite differences of the loss the API reports, the
applied step equal to the probed one in float64, and the downloads behaving
like the session they came from."""
from __future__ import annotations

import io
import json
import runpy

import numpy as np
import pytest

from engine.export import read_npz

from .apicheck import CheckedClient
from .cases import SMALL

X, TARGET = [0.4, -0.7], 2
H = 1e-6


@pytest.fixture
def api(app):
    return CheckedClient(app)


def session(api, hidden=(3, 2), activations=("relu", "tanh")) -> str:
    body = {**SMALL, "network": {"hidden": list(hidden), "activations": list(activations)}}
    r = api.post("/api/sessions", json=body)
    assert r.status_code == 201
    return r.get_json()["session"]


def exported_weights(api, sid):
    return json.loads(api.get(f"/api/sessions/{sid}/export?format=json").data)["weights"]


def test_backward_values_match_finite_differences(api):
    sid = session(api)
    probe = api.post(f"/api/sessions/{sid}/probe", json={"x": X, "target": TARGET, "lr": 0.2}).get_json()
    weights = exported_weights(api, sid)

    def loss_with(layer, kind, i, j, value):
        edit = {"layer": layer, "kind": kind, "j": j, "value": value}
        if kind == "W":
            edit["i"] = i
        assert api.put(f"/api/sessions/{sid}/weights", json=edit).status_code == 200
        return api.post(f"/api/sessions/{sid}/probe", json={"x": X, "target": TARGET}).get_json()["loss"]

    checked = 0
    for layer, (lw, entry) in enumerate(zip(weights, probe["layers"])):
        for kind, grad in (("W", "dLdW"), ("W0", "dLdW0")):
            values = np.array(lw[kind], dtype=float)
            for index in np.ndindex(values.shape):
                i, j = (index if kind == "W" else (None, index[0]))
                v = float(values[index])
                numeric = (loss_with(layer, kind, i, j, v + H) - loss_with(layer, kind, i, j, v - H)) / (2 * H)
                loss_with(layer, kind, i, j, v)                      # put it back exactly
                assert np.array(entry[grad])[index] == pytest.approx(numeric, rel=1e-5, abs=1e-7), \
                    (layer, kind, index)
                checked += 1
    assert checked == 2 * 3 + 3 + 3 * 2 + 2 + 2 * 3 + 3
    # dL/dz = dL/da * f'(z), layer by layer (the chain rule the panel shows)
    first = probe["layers"][0]
    assert first["dLdz"] == [g * (z > 0) for g, z in zip(first["dLda"], first["z"])]
    second = probe["layers"][1]
    assert second["dLdz"] == pytest.approx([g * (1 - a * a) for g, a in zip(second["dLda"], second["a"])])
    out = probe["layers"][-1]
    assert out["dLdz"] == pytest.approx([a - (k == TARGET) for k, a in enumerate(out["a"])])


def test_applied_step_is_the_probed_step_in_float64(api):
    sid = session(api)
    probed = api.post(f"/api/sessions/{sid}/probe", json={"x": X, "target": TARGET, "lr": 0.5}).get_json()
    before = exported_weights(api, sid)
    for lw, entry in zip(before, probed["layers"]):
        W, dW = np.array(lw["W"]), np.array(entry["dLdW"])
        assert np.array_equal(np.array(entry["W_after"]), W - 0.5 * dW)
    frame = api.post(f"/api/sessions/{sid}/probe/apply", json={"x": X, "target": TARGET, "lr": 0.5})
    assert frame.status_code == 200
    after = exported_weights(api, sid)
    assert [lw["W"] for lw in after] == [e["W_after"] for e in probed["layers"]]
    assert [lw["W0"] for lw in after] == [e["W0_after"] for e in probed["layers"]]


def test_python_and_npz_downloads_predict_like_the_session(api, tmp_path):
    sid = session(api)
    points = [[0.4, -0.7], [-1.0, 1.0], [1.2, 0.3]]
    probes = [api.post(f"/api/sessions/{sid}/probe", json={"x": x}).get_json()["output"] for x in points]

    script = tmp_path / "crease_network.py"
    script.write_bytes(api.get(f"/api/sessions/{sid}/export?format=python").data)
    ns = runpy.run_path(str(script), run_name="crease_download")
    proba = ns["predict_proba"](np.array(points).T)
    assert np.abs(proba.T - np.array([p["probs"] for p in probes])).max() <= 1e-12
    assert ns["predict"](np.array(points).T).tolist() == [p["class"] for p in probes]

    spec, params = read_npz(api.get(f"/api/sessions/{sid}/export?format=npz").data)
    assert spec["hidden"] == [3, 2] and spec["activations"] == ["relu", "tanh"]
    for (W, W0), lw in zip(params, exported_weights(api, sid)):
        assert W.tolist() == lw["W"] and W0[:, 0].tolist() == lw["W0"]


def test_pytorch_download_compiles_and_when_torch_is_there_predicts_like_the_session(api, tmp_path):
    sid = session(api)
    text = api.get(f"/api/sessions/{sid}/export?format=pytorch").data.decode()
    compile(text, "crease_network_torch.py", "exec")
    try:
        import torch  # noqa: F401  (optional: not a project dependency)
    except ImportError:
        return
    path = tmp_path / "t.py"
    path.write_text(text)
    ns = runpy.run_path(str(path), run_name="crease_torch")
    probs = api.post(f"/api/sessions/{sid}/probe", json={"x": X}).get_json()["output"]["probs"]
    assert np.abs(ns["predict_proba"]([X]).numpy()[0] - np.array(probs)).max() <= 1e-12


def test_json_download_imports_into_the_same_session(api):
    sid = session(api)
    api.post(f"/api/sessions/{sid}/advance", json={"steps": 5})
    doc = api.get(f"/api/sessions/{sid}/export?format=json").get_json()
    new = api.post("/api/sessions/import", data=io.BytesIO(json.dumps(doc).encode()),
                   content_type="application/json").get_json()
    a = api.post(f"/api/sessions/{sid}/probe", json={"x": X, "target": 1}).get_json()
    b = api.post(f"/api/sessions/{new['session']}/probe", json={"x": X, "target": 1}).get_json()
    assert a == b and new["frame"]["counters"]["step"] == 5
    settings = api.get(f"/api/sessions/{new['session']}").get_json()["settings"]
    assert settings["network"]["hidden"] == [3, 2] and settings["training"]["lr"] == 0.1
