"""The engine package's docstring names the test that ties each copy of the
forward pass to the modules: each must exist, in the file it is named with."""
import re
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_the_package_docstring_names_exists():
    doc = " ".join(engine.__doc__.split())
    pairs = re.findall(r"``(tests/[\w/]+\.py)::(test_\w+)``", doc)
    assert len(pairs) == 6    # the six copies beside the modules
    assert [(f, n) for f, n in pairs if f"def {n}(" not in (ROOT / f).read_text()] == []
