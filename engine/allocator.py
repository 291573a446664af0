"""Keep freed memory in the process for the next array of the same size.

The engine's arrays of a few hundred KB (a 100-unit layer over 400 points,
a block of grid cells) are allocated and freed many times a second.  glibc
hands such a block back to the kernel when it is freed at the top of the heap
(or serves it by mmap), so the next array of the same size page-faults on
every 4 KB it touches: on the 2-core test VM a fresh 100 x 1000 float32
product costs about 9x one written into an existing array, and whole frames
and large-batch steps ran a third slower for it.  Raising the trim and mmap
thresholds lets freed blocks be reused from the heap instead.

Process-wide and opt-in: the server and the benchmarks call
``keep_freed_memory()`` at start; importing the engine changes nothing.
Elsewhere than glibc (macOS, musl) it does nothing and returns False.
"""
from __future__ import annotations

import ctypes
import sys

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

RETAIN_BYTES = 32 << 20   # freed memory kept for reuse, per arena, before trimming
MMAP_BYTES = 16 << 20     # blocks below this come from the heap, not from mmap
ARENAS = 1                # one heap for all threads: each arena keeps its own freed memory,
                          # so a worker's threads would each hold a request's worth


def keep_freed_memory(retain: int = RETAIN_BYTES, mmap_from: int = MMAP_BYTES) -> bool:
    """Ask glibc to keep up to ``retain`` freed bytes and to serve blocks
    under ``mmap_from`` from the heap.  True if the C library accepted both."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return (bool(mallopt(M_TRIM_THRESHOLD, retain)) and bool(mallopt(M_MMAP_THRESHOLD, mmap_from))
            and bool(mallopt(M_ARENA_MAX, ARENAS)))
