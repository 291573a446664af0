"""engine.allocator: glibc keeps freed arrays for reuse once asked (the app
factory asking is tested in tests/server/test_config.py)."""
from __future__ import annotations

import os
import platform
import sys

import pytest

from engine import allocator

glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not glibc and os.environ.get("CI") != "true",
                    reason="mallopt is glibc's (CI runs on Debian: there it must work)")
def test_glibc_accepts_the_thresholds():
    assert allocator.keep_freed_memory() is True
    assert allocator.keep_freed_memory(1 << 20, 1 << 20) is True   # and again, other values


def test_elsewhere_it_does_nothing(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False

