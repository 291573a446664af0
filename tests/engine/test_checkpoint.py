import json
import struct

import numpy as np
import pytest

from engine.checkpoint import (MAGIC, CheckpointError, run_from_bytes, run_from_dict, run_state, run_to_bytes,
                               run_to_dict)
from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig


def make_run(output="softmax", k=3, opt=OptimizerSpec.torch_adam(lr=0.01), n_val=10, batch=7, seed=5,
             dtype="float64"):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 40 + n_val))
    y = rng.integers(0, k, 40 + n_val)
    spec = NetworkSpec(hidden=(5, 4), activations=("relu", "tanh"), output=output, n_classes=k)
    return Run(spec, X[:, :40], y[:40], X[:, 40:], y[40:], TrainConfig(opt, batch_size=batch, dtype=dtype),
               seed)


def diverged_run():
    spec = NetworkSpec(hidden=(4,), activations=("linear",), output="linear", n_classes=2)
    rng = np.random.default_rng(2)
    run = Run(spec, rng.normal(size=(2, 16)), np.arange(16) % 2, np.zeros((2, 0)), np.zeros(0, int),
              TrainConfig(OptimizerSpec(lr=5.0), batch_size=16, reduction="sum"), 0)
    run.train_steps(100)
    assert run.state == "diverged"
    return run


def assert_same(a: Run, b: Run):
    assert (a.spec, a.config, a.seed, a.step, a.epoch, a.batch_in_epoch, a.state, a.diverged_at,
            a.last_step_loss) == (b.spec, b.config, b.seed, b.step, b.epoch, b.batch_in_epoch, b.state,
                                  b.diverged_at, b.last_step_loss)
    assert a.history == b.history
    for x, y in [(a.X_train, b.X_train), (a.y_train, b.y_train), (a.X_val, b.X_val), (a.y_val, b.y_val)]:
        np.testing.assert_array_equal(x, y)
    assert a.dtype == b.dtype and a.snapshot().params.dtype == b.snapshot().params.dtype == a.dtype
    for (W, W0), (V, V0) in zip(layer_params(a.model), layer_params(b.model)):
        np.testing.assert_array_equal(W, V)
        np.testing.assert_array_equal(W0, V0)
    sa, sb = a.optimizer.state(), b.optimizer.state()
    assert sa[0] == sb[0] and type(a.optimizer) is type(b.optimizer)
    for key in sa[1]:
        np.testing.assert_array_equal(sa[1][key], sb[1][key])
        assert sa[1][key].dtype == sb[1][key].dtype == a.dtype
    assert a.snapshot().rng == b.snapshot().rng and a.snapshot().pos == b.snapshot().pos


def via_dict(run):
    return run_from_dict(json.loads(json.dumps(run_to_dict(run), allow_nan=False)))


RUNS = {
    "fresh": lambda: make_run(),
    "adam mid-epoch": lambda: (r := make_run(), r.train_steps(23))[0],
    "sgd momentum": lambda: (r := make_run(opt=OptimizerSpec(lr=0.1, momentum=0.9)), r.train_steps(12))[0],
    "sigmoid, no val": lambda: (r := make_run("sigmoid", 2, n_val=0), r.train_epochs(3))[0],
    "linear output": lambda: (r := make_run("linear", 4, batch=40), r.train_steps(5))[0],
    "diverged": diverged_run,
    "float32 adam mid-epoch": lambda: (r := make_run(dtype="float32"), r.train_steps(23))[0],
    "float32 sgd momentum": lambda: (r := make_run(opt=OptimizerSpec(lr=0.1, momentum=0.9), dtype="float32"),
                                     r.train_steps(12))[0],
}


@pytest.mark.parametrize("codec", [lambda r: run_from_bytes(run_to_bytes(r)), via_dict], ids=["bytes", "dict"])
@pytest.mark.parametrize("name", list(RUNS))
def test_round_trip_is_exact_and_continues_bit_identically(codec, name):
    run = RUNS[name]()
    copy = codec(run)
    assert_same(run, copy)
    assert copy.metrics() == run.metrics()
    if run.state == "diverged":
        assert copy.train_steps(5) == 0
        return
    la, lb = [], []
    run.train_steps(31, losses=la)
    copy.train_steps(31, losses=lb)
    assert la == lb
    assert_same(run, copy)


def test_a_restored_diverged_run_recovers_like_the_original():
    run = diverged_run()
    copy = run_from_bytes(run_to_bytes(run))
    for r in (run, copy):
        r.set_config(TrainConfig(OptimizerSpec(lr=1e-9), batch_size=16, reduction="sum"))
        r.train_steps(3)
    assert_same(run, copy)


def test_bytes_are_compact_and_dicts_are_plain_json():
    run = make_run()
    run.train_steps(10)
    raw = run_to_bytes(run)
    arrays = run_state(run)[1]
    payload = sum(a.size * (1 if k.startswith("y_") else 4 if k == "order" else 8) for k, a in arrays.items())
    assert raw.startswith(MAGIC)
    assert payload < len(raw) < payload + 1500
    d = run_to_dict(run)
    assert json.loads(json.dumps(d)) == d
    assert d["format"] == "crease-run" and d["version"] == 1
    assert d["arrays"]["params"]["shape"] == [run.spec.n_params()]
    assert all(isinstance(v, str) for v in (d["meta"]["rng"]["state"], d["meta"]["rng"]["inc"]))


def test_a_float32_run_is_stored_as_f4_and_continues_like_the_uninterrupted_run():
    run = make_run(dtype="float32")
    run.train_steps(23)                                # mid-epoch: 23 = 4 epochs of 6 steps - 1
    raw, d = run_to_bytes(run), json.loads(json.dumps(run_to_dict(run)))
    codes = {name: code for name, code, _ in split(raw)[0]["arrays"]}
    assert codes["params"] == codes["opt_m"] == codes["opt_v"] == "f4"
    assert codes["X_train"] == codes["history_train_loss"] == "f8"
    assert d["meta"]["config"]["dtype"] == "float32" and d["arrays"]["params"]["dtype"] == "f4"
    for copy in (run_from_bytes(raw), run_from_dict(d)):
        assert copy.batch_in_epoch == run.batch_in_epoch > 0
        uninterrupted = make_run(dtype="float32")
        losses, expected = [], []
        copy.train_steps(40, losses=losses)
        uninterrupted.train_steps(63, losses=expected)
        assert losses == expected[23:]
        assert_same(copy, uninterrupted)


def test_checkpoints_without_a_dtype_load_as_float64_unchanged():
    run = make_run()
    run.train_steps(10)
    raw = run_to_bytes(run)
    header, body = split(raw)
    assert header["meta"]["config"].pop("dtype") == "float64"   # as written before dtype existed
    old = run_from_bytes(rebuild(header, body))
    assert old.config.dtype == "float64"
    assert_same(old, run)
    d = run_to_dict(run)
    del d["meta"]["config"]["dtype"]
    assert_same(run_from_dict(d), run)


def test_restoring_leaves_the_global_generator_alone():
    raw = run_to_bytes(make_run())
    np.random.seed(4)
    state = np.random.get_state()[1].copy()
    run_from_bytes(raw)
    run_from_dict(run_to_dict(make_run()))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ---- malformed input ----------------------------------------------------------------

def split(raw):
    n = struct.unpack_from("<I", raw, len(MAGIC))[0]
    start = len(MAGIC) + 4
    return json.loads(raw[start:start + n]), raw[start + n:]


def rebuild(header, body):
    h = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(h)) + h + body


def edit_header(fn):
    def corrupt(raw):
        header, body = split(raw)
        fn(header)
        return rebuild(header, body)
    return corrupt


def edit_array(name, fn):
    """Rewrite one array's bytes in place (same size)."""
    def corrupt(raw):
        header, body = split(raw)
        offset = 0
        for entry_name, code, shape in header["arrays"]:
            size = {"f8": 8, "f4": 4, "i8": 8, "i4": 4, "u1": 1}[code] * int(np.prod(shape))
            if entry_name == name:
                arr = np.frombuffer(body[offset:offset + size], {"f8": "<f8", "f4": "<f4", "i8": "<i8",
                                                                "i4": "<i4", "u1": "u1"}[code]).copy()
                fn(arr)
                body = body[:offset] + arr.tobytes() + body[offset + size:]
            offset += size + (-size % 8)   # arrays are padded to 8 bytes
        return rebuild(header, body)
    return corrupt


def set_meta(path, value):
    def fn(header):
        d = header["meta"]
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value
    return edit_header(fn)


def del_meta(key):
    return edit_header(lambda h: h["meta"].pop(key))


def shorter_params(raw):
    header, body = split(raw)
    assert header["arrays"][0] == ["params", "f8", [54]]
    header["arrays"][0][2] = [53]
    return rebuild(header, body[8:])


BAD_BYTES = {
    "empty": (lambda raw: b"", "bad magic"),
    "wrong magic": (lambda raw: b"PICKLE!!" + raw[8:], "bad magic"),
    "header cut": (lambda raw: raw[:40], "truncated: header needs"),
    "array data cut": (lambda raw: raw[:-9], "truncated: array"),
    "trailing bytes": (lambda raw: raw + b"\x00", "unexpected trailing bytes"),
    "header not json": (lambda raw: MAGIC + struct.pack("<I", 3) + b"{x}" + raw[-8:], "header is malformed"),
    "header not utf-8": (lambda raw: MAGIC + struct.pack("<I", 2) + b"\xff\xfe", "header is malformed"),
    "header without arrays": (edit_header(lambda h: h.pop("arrays")), "header is malformed"),
    "bad array entry": (edit_header(lambda h: h["arrays"].append(["x", "f8"])), "malformed array entry"),
    "negative dimension": (edit_header(lambda h: h["arrays"][0].__setitem__(2, [-1])), "malformed array entry"),
    "unknown dtype": (edit_header(lambda h: h["arrays"][0].__setitem__(1, "O")), "malformed array entry"),
    "wrong dtype for name": (edit_header(lambda h: h["arrays"][0].__setitem__(1, "i8")), "must be stored as f8"),
    "params of another shape": (shorter_params, "params must have 54 values for this network"),
    "missing seed": (del_meta("seed"), "missing 'seed'"),
    "missing rng": (del_meta("rng"), "missing 'rng'"),
    "bad spec": (set_meta(["spec", "n_classes"], 9), "n_classes must be 2..8"),
    "unknown activation": (set_meta(["spec", "activations"], ["relu", "gelu"]), "unknown hidden activation"),
    "bad optimizer": (set_meta(["config", "optimizer", "lr"], -1.0), "lr must be > 0"),
    "float counter": (set_meta(["step"], 1.5), "expected an integer"),
    "negative counter": (set_meta(["epoch"], -2), "expected an integer >= 0"),
    "unknown state": (set_meta(["state"], "exploded"), "unknown state"),
    "diverged without where": (set_meta(["state"], "diverged"), "diverged_at must be set"),
    "bad rng hex": (set_meta(["rng", "state"], "0xZZ"), "does not describe a valid run"),
    "position past the data": (set_meta(["pos"], 400), "pos must be in 0..39"),
    "label out of range": (edit_array("y_train", lambda a: a.__setitem__(0, 7)), r"labels must be in 0..2"),
    "order not a permutation": (edit_array("order", lambda a: a.__setitem__(0, a[1])), "must be a permutation"),
    "non-finite weight": (edit_array("params", lambda a: a.__setitem__(3, np.inf)), "params has a non-finite"),
    "non-finite moment": (edit_array("opt_v", lambda a: a.__setitem__(0, np.nan)), "optimizer state 'v'"),
    "non-finite point": (edit_array("X_val", lambda a: a.__setitem__(0, np.nan)), "X_val has a non-finite"),
}


def f4_params(raw):
    """A float64 checkpoint whose params are claimed to be f4 (and sized so)."""
    header, body = split(raw)
    header["arrays"][0][1] = "f4"
    return rebuild(header, body[:54 * 4] + body[54 * 4:][54 * 4:])


BAD_BYTES.update({
    "f4 params in a float64 run": (f4_params, "'params' must be stored as f8, not f4"),
    "unknown run dtype": (set_meta(["config", "dtype"], "float16"), "unknown dtype 'float16'"),
    "run dtype not a string": (set_meta(["config", "dtype"], 32), "unknown dtype '32'"),
    "float32 run with f8 params": (set_meta(["config", "dtype"], "float32"), "'params' must be stored as f4"),
})


@pytest.mark.parametrize("name", list(BAD_BYTES))
def test_malformed_bytes_raise_checkpoint_error(name):
    run = make_run()
    run.train_steps(3)                # mid-epoch: the checkpoint holds an order
    corrupt, message = BAD_BYTES[name]
    with pytest.raises(CheckpointError, match=message):
        run_from_bytes(corrupt(run_to_bytes(run)))


@pytest.mark.parametrize("cut", [0, 5, 11, 12, 100, 400, 1000, -100, -1])
def test_every_truncation_is_caught(cut):
    raw = run_to_bytes(make_run())
    with pytest.raises(CheckpointError):
        run_from_bytes(raw[:cut])


def test_bytes_must_be_bytes():
    with pytest.raises(CheckpointError, match="must be bytes, got str"):
        run_from_bytes("CREASE")


def edit_dict(fn):
    def corrupt(d):
        fn(d)
        return d
    return corrupt


BAD_DICTS = {
    "not a dict": (lambda d: [d], "format must be 'crease-run'"),
    "wrong format": (edit_dict(lambda d: d.__setitem__("format", "keras")), "format must be"),
    "future version": (edit_dict(lambda d: d.__setitem__("version", 2)), "unsupported checkpoint version 2"),
    "no meta": (edit_dict(lambda d: d.pop("meta")), "needs 'meta' and 'arrays'"),
    "array without data": (edit_dict(lambda d: d["arrays"]["params"].pop("data")), "needs dtype, shape and data"),
    "short data": (edit_dict(lambda d: d["arrays"]["params"]["data"].pop()), "must hold"),
    "string value": (edit_dict(lambda d: d["arrays"]["X_train"]["data"].__setitem__(0, "1.0")),
                     "values must be numbers"),
    "bool value": (edit_dict(lambda d: d["arrays"]["params"]["data"].__setitem__(0, True)), "values must be numbers"),
    "float label": (edit_dict(lambda d: d["arrays"]["y_train"]["data"].__setitem__(0, 1.0)),
                    "values must be integers"),
    "label too big for u1": (edit_dict(lambda d: d["arrays"]["y_train"]["data"].__setitem__(0, 300)),
                             "values must fit uint8"),
    "null weight": (edit_dict(lambda d: d["arrays"]["params"]["data"].__setitem__(0, None)),
                    "params has a non-finite"),
    "wrong shape": (edit_dict(lambda d: d["arrays"]["X_train"].__setitem__("shape", [3, 40])), "must hold"),
    "missing array": (edit_dict(lambda d: d["arrays"].pop("opt_m")), "missing 'opt_m'"),
    "history lengths differ": (edit_dict(lambda d: d["arrays"]["history_val_acc"].update(shape=[0], data=[])),
                               "history 'val_acc' must have 1 values"),
    "data of another dimension": (edit_dict(lambda d: d["arrays"]["X_val"].update(shape=[1, 20])),
                                  "X_val must be 2 x b"),
}


def float32_dict():
    run = make_run(dtype="float32")
    run.train_epochs(1)
    return json.loads(json.dumps(run_to_dict(run)))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["arrays"]["params"]["data"].__setitem__(0, 0.1), "values must be float32 numbers"),
    (lambda d: d["arrays"]["opt_m"]["data"].__setitem__(0, 1e39), "values must be float32 numbers"),
    (lambda d: d["arrays"]["params"].__setitem__("dtype", "f8"), "must be stored as f4, not f8"),
    (lambda d: d["arrays"]["params"].__setitem__("dtype", "f2"), "malformed array entry"),
    (lambda d: d["meta"]["config"].__setitem__("dtype", "bfloat16"), "unknown dtype"),
])
def test_malformed_float32_dicts_raise_checkpoint_error(edit, message):
    d = float32_dict()
    edit(d)
    with pytest.raises(CheckpointError, match=message):
        run_from_dict(d)


@pytest.mark.parametrize("name", list(BAD_DICTS))
def test_malformed_dicts_raise_checkpoint_error(name):
    run = make_run()
    run.train_epochs(1)
    corrupt, message = BAD_DICTS[name]
    with pytest.raises(CheckpointError, match=message):
        run_from_dict(corrupt(json.loads(json.dumps(run_to_dict(run)))))
