"""What GET /api/sessions/{id}/export sends: the importable JSON export, or
the network alone as an .npz of arrays or a script that rebuilds it."""
from __future__ import annotations

import json

from engine.export import npz_bytes, numpy_script, pytorch_script, run_export
from engine.network import layer_params
from engine.training import Run

# format -> (spec, params) -> (bytes, media type, file name); "json" is the session export
DOWNLOADS = {
    "npz": lambda spec, params: (npz_bytes(spec, params), "application/octet-stream",
                                 "crease-network.npz"),
    "python": lambda spec, params: (numpy_script(spec, params).encode(), "text/x-python",
                                    "crease_network.py"),
    "pytorch": lambda spec, params: (pytorch_script(spec, params).encode(), "text/x-python",
                                     "crease_network_torch.py"),
}
FORMATS = ("json", *DOWNLOADS)
# the media types above, for the OpenAPI document
EXPORT_CONTENT = {
    "application/json": {"schema": {"type": "object"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "text/x-python": {"schema": {"type": "string"}},
}


def export(run: Run, fmt: str, sid: str) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of ``run`` in ``fmt``, one of FORMATS."""
    if fmt == "json":
        body = json.dumps(run_export(run), separators=(",", ":"), allow_nan=False)
        return body.encode(), "application/json", f"crease-{sid[:8]}.json"
    return DOWNLOADS[fmt](run.spec, layer_params(run.model))
