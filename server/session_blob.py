"""A session, and the bytes the store keeps it as.

A session is a training run (engine.checkpoint bytes) plus what the run does
not know: where its data came from, the data revision and the plane's
extent, and its timeline of past epochs (replay.py).  The network, training
settings and seed are the run's own, so they are read from it, never stored
beside it.  The bytes are SESSION_MAGIC, the length of a JSON header (uint32
little-endian), the header (its "timeline": the timeline's length, 0 or absent
for none), the timeline's bytes, then the checkpoint.

The timeline's bytes are only its index: each past epoch's checkpoint is a
part of the session in the store (store/base.py), written once as the epoch
is recorded and deleted when it is thinned, so a frame's save does not carry
them.  ``take_parts`` hands the store what changed since the last save.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

from engine.checkpoint import CheckpointError, run_from_bytes, run_to_bytes
from engine.timeline import Timeline
from engine.training import Run

from .runs import network_settings, training_settings
from .store.base import PartsChange

SESSION_MAGIC = b"CRS1"


@dataclass
class Session:
    run: Run
    data: dict            # the data settings as GET shows them (runs.data_settings)
    revision: int         # bumped whenever the points change
    extent: list[float]   # [x0, x1, y0, y1] of the plane drawn
    timeline: Timeline = field(default_factory=Timeline)   # its past epochs (replay.py)
    saved_size: int = 0   # the length of the bytes it was last loaded or saved as, or 0

    @property
    def settings(self) -> dict:
        """{"data", "network", "training", "seed"}: what GET /api/sessions/{id} shows."""
        return {"data": self.data, "network": network_settings(self.run),
                "training": training_settings(self.run), "seed": self.run.seed}

    def take_parts(self) -> PartsChange | None:
        """The parts to write and delete with this save (the timeline's
        checkpoints recorded and thinned since the last), or None."""
        new, gone = self.timeline.take_changes()
        return PartsChange(new, gone) if new or gone else None

    def to_bytes(self) -> bytes:
        timeline = self.timeline.to_bytes() if self.timeline.epochs or self.timeline.refused else b""
        meta = json.dumps({"data": self.data, "revision": self.revision, "extent": self.extent,
                           "timeline": len(timeline)}, separators=(",", ":")).encode()
        blob = b"".join([SESSION_MAGIC, struct.pack("<I", len(meta)), meta, timeline, run_to_bytes(self.run)])
        self.saved_size = len(blob)
        return blob

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Session":
        if blob[:4] != SESSION_MAGIC:
            raise CheckpointError("not a session blob")
        (size,) = struct.unpack_from("<I", blob, 4)
        meta = json.loads(blob[8:8 + size])
        # saved before the settings were read from the run: {"settings": {"data", ...}}
        data = meta["data"] if "data" in meta else meta["settings"]["data"]
        start, length = 8 + size, meta.get("timeline", 0)
        try:
            timeline = Timeline.from_bytes(blob[start:start + length]) if length else Timeline()
        except ValueError as e:
            raise CheckpointError(f"session timeline: {e}") from None
        return cls(run_from_bytes(blob[start + length:]), data, meta["revision"], meta["extent"], timeline,
                   len(blob))
