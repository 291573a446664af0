"""Optional comparisons: collected everywhere, run where what they need is here.

PyTorch is never a test dependency (it is gigabytes), and the course's data
files are course material that the project does not ship.  Tests marked
``torch`` compare the engine with PyTorch where it happens to be installed;
tests marked ``course_data`` read the homework's own files from
``$CREASE_COURSE_DATA`` (default ``../shared/course-data`` beside the
checkout) where they are.  Elsewhere, a bare clone and CI included, they are
deselected before the run -- counted as deselected and named in the report
header -- so no test ever skips itself under CI=true.  They take PyTorch from
the ``torch`` fixture and the folder from ``course_data``.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None
COURSE_DATA = Path(os.environ.get("CREASE_COURSE_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "course-data")
HAS_COURSE_DATA = (COURSE_DATA / "data1_train.csv").is_file()

# marker -> (available here, report header line)
OPTIONAL = {
    "torch": (HAS_TORCH, "PyTorch: installed, the comparisons marked torch run" if HAS_TORCH else
              "PyTorch: not installed, the comparisons marked torch are deselected"),
    "course_data": (HAS_COURSE_DATA,
                    f"course data: {COURSE_DATA}, the tests marked course_data run" if HAS_COURSE_DATA else
                    f"course data: none at {COURSE_DATA} (set CREASE_COURSE_DATA), "
                    "the tests marked course_data are deselected"),
}


def pytest_report_header(config):
    return [line for _, line in OPTIONAL.values()]


def pytest_collection_modifyitems(config, items):
    missing = [name for name, (available, _) in OPTIONAL.items() if not available]
    dropped = [item for item in items if any(item.get_closest_marker(name) for name in missing)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture
def torch():
    import torch
    return torch


@pytest.fixture
def course_data() -> Path:
    return COURSE_DATA
