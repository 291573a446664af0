"""Optional PyTorch comparisons: collected everywhere, run where torch is installed.

PyTorch is never a test dependency (it is gigabytes).  Tests marked ``torch``
compare the engine with it where it happens to be installed; elsewhere, CI
included, they are deselected before the run -- counted as deselected and
named in the report header -- so no test ever skips itself under CI=true.
They take PyTorch from the ``torch`` fixture.
"""
from __future__ import annotations

import importlib.util

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None


def pytest_report_header(config):
    return ("PyTorch: installed, the comparisons marked torch run" if HAS_TORCH else
            "PyTorch: not installed, the comparisons marked torch are deselected")


def pytest_collection_modifyitems(config, items):
    if HAS_TORCH:
        return
    dropped = [item for item in items if item.get_closest_marker("torch")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("torch")]


@pytest.fixture
def torch():
    import torch
    return torch
