"""A session, and the bytes the store keeps it as.

A session is a training run (engine.checkpoint bytes) plus what the run does
not know: the settings as the user gave them, the data revision and the
plane's extent.  The bytes are MAGIC, the length of a JSON header (uint32
little-endian), the header, then the checkpoint.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from engine.checkpoint import CheckpointError, run_from_bytes, run_to_bytes
from engine.training import Run

MAGIC = b"CRS1"


@dataclass
class Session:
    run: Run
    settings: dict        # {"data", "network", "training", "seed"} as the user gave them
    revision: int         # bumped whenever the points change
    extent: list[float]   # [x0, x1, y0, y1] of the plane drawn

    def to_bytes(self) -> bytes:
        meta = json.dumps({"settings": self.settings, "revision": self.revision,
                           "extent": self.extent}, separators=(",", ":")).encode()
        return MAGIC + struct.pack("<I", len(meta)) + meta + run_to_bytes(self.run)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Session":
        if blob[:4] != MAGIC:
            raise CheckpointError("not a session blob")
        (size,) = struct.unpack_from("<I", blob, 4)
        meta = json.loads(blob[8:8 + size])
        return cls(run_from_bytes(blob[8 + size:]), meta["settings"], meta["revision"],
                   meta["extent"])
