"""What GET /api/sessions/{id}/export sends: the importable JSON export, or
the network alone as an .npz of arrays or a script that rebuilds it, or a
notebook or PyTorch script that replays the run."""
from __future__ import annotations

import json

from engine.export import notebook_bytes, npz_bytes, numpy_script, pytorch_script, run_export
from engine.network import layer_params
from engine.training import Run

# format -> run -> (bytes, media type, file name); "json" is the session export
DOWNLOADS = {
    "npz": lambda run: (npz_bytes(run.spec, layer_params(run.model)), "application/octet-stream",
                        "crease-network.npz"),
    "python": lambda run: (numpy_script(run.spec, layer_params(run.model)).encode(), "text/x-python",
                           "crease_network.py"),
    "pytorch": lambda run: (pytorch_script(run).encode(), "text/x-python", "crease_run_torch.py"),
    "ipynb": lambda run: (notebook_bytes(run), "application/x-ipynb+json", "crease_run.ipynb"),
}
FORMATS = ("json", *DOWNLOADS)
# the media types above, for the OpenAPI document
EXPORT_CONTENT = {
    "application/json": {"schema": {"type": "object"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "text/x-python": {"schema": {"type": "string"}},
    "application/x-ipynb+json": {"schema": {"type": "object"}},
}


def export(run: Run, fmt: str, sid: str) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of ``run`` in ``fmt``, one of FORMATS."""
    if fmt == "json":
        body = json.dumps(run_export(run), separators=(",", ":"), allow_nan=False)
        return body.encode(), "application/json", f"crease-{sid[:8]}.json"
    return DOWNLOADS[fmt](run)
