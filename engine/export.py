"""Export a network: JSON, .npz, a homework-API NumPy script; replay a run: a
Jupyter notebook (export_notebook.py) and a PyTorch script (export_torch.py).

The .npz and the NumPy script read the ``NetworkSpec`` (architecture) and
``params``, the list of ``(W, W0)`` of every Linear in order (``W`` is m x n,
``W0`` is n x 1, as ``network.layer_params`` returns them); the notebook and
the PyTorch script read a whole ``Run``.  The writers are re-exported here.

The JSON form (``run_export`` / ``run_import``) is for a whole training run:
readable configuration, weights and history, plus the exact checkpoint
(``checkpoint.run_to_dict``) that brings the run back bit for bit.
"""
from __future__ import annotations

import io
import json

import numpy as np

from engine.checkpoint import CheckpointError, run_from_dict, run_to_dict
from engine.export_notebook import notebook, notebook_bytes  # noqa: F401
from engine.export_scripts import Params, check_params, numpy_script  # noqa: F401
from engine.export_torch import pytorch_script  # noqa: F401
from engine.network import layer_params

EXPORT_FORMAT = "crease-network"
EXPORT_VERSION = 1


def spec_to_dict(spec) -> dict:
    """NetworkSpec -> plain dict (lists, not tuples)."""
    return {"input_dim": int(spec.input_dim), "hidden": [int(h) for h in spec.hidden],
            "activations": list(spec.activations), "output": spec.output,
            "n_classes": int(spec.n_classes), "init": spec.init}


# -------------------------------------------------------------------- JSON

def run_export(run) -> dict:
    """A training Run as a JSON-able document: {"format", "version", "network"
    (the spec, with its init), "training" (optimizer, batch_size, reduction, dtype,
    shuffle, epoch_loss), "seed", "step",
    "epoch", "weights": [{"W": m x n, "W0": n}], "history", "checkpoint"}."""
    config = run.config
    return {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
        "network": spec_to_dict(run.spec),
        "training": {"optimizer": {f: getattr(config.optimizer, f)
                                   for f in config.optimizer.__dataclass_fields__},
                     "batch_size": config.batch_size, "reduction": config.reduction,
                     "dtype": config.dtype, "shuffle": config.shuffle,
                     "epoch_loss": config.epoch_loss},
        "seed": run.seed, "step": run.step, "epoch": run.epoch,
        "weights": [{"W": W.tolist(), "W0": W0[:, 0].tolist()} for W, W0 in layer_params(run.model)],
        "history": {key: list(values) for key, values in run.history.items()},
        "checkpoint": run_to_dict(run),
    }


def run_import(doc: dict):
    """Inverse of run_export (also after a JSON round trip): the Run from the
    checkpoint.  The readable "weights" win where they differ from it, so a
    hand-edited file loads as edited.  Raises CheckpointError (a ValueError)."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise CheckpointError(f"not a Crease network export (format must be {EXPORT_FORMAT!r})")
    if doc.get("version") != EXPORT_VERSION:
        raise CheckpointError(f"unsupported export version {doc.get('version')!r}")
    run = run_from_dict(doc.get("checkpoint"))
    weights = doc.get("weights")
    if weights is None:
        return run
    params = layer_params(run.model)
    if not isinstance(weights, list) or len(weights) != len(params):
        raise CheckpointError(f"'weights' must list {len(params)} layers")
    for layer, (entry, (W, W0)) in enumerate(zip(weights, params)):
        try:
            new_W = np.array(entry["W"], dtype=np.float64)
            new_W0 = np.array(entry["W0"], dtype=np.float64)
            if not (np.array_equal(new_W, W) and np.array_equal(new_W0, W0[:, 0])):
                run.set_layer(layer, new_W, new_W0)
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"weights of layer {layer + 1}: {e}") from None
    return run


# --------------------------------------------------------------------- npz

def npz_bytes(spec, params: Params) -> bytes:
    """An .npz archive: ``W1, W01, W2, W02, ...`` (float64, the homework's shapes)
    and ``spec``, the NetworkSpec as a JSON string.  Loads with allow_pickle=False."""
    check_params(spec, params)
    arrays = {"spec": np.array(json.dumps(spec_to_dict(spec)))}
    for l, (W, W0) in enumerate(params, start=1):
        arrays[f"W{l}"] = np.asarray(W, dtype=np.float64)
        arrays[f"W0{l}"] = np.asarray(W0, dtype=np.float64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def read_npz(data: bytes) -> tuple[dict, list[tuple[np.ndarray, np.ndarray]]]:
    """Inverse of ``npz_bytes``: (spec dict, params)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        spec = json.loads(str(z["spec"]))
        n_layers = len(spec["hidden"]) + 1
        params = [(z[f"W{l}"], z[f"W0{l}"]) for l in range(1, n_layers + 1)]
    return spec, params
