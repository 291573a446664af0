"""The engine package's docstring names the test that ties each copy of the
forward pass to the modules: each must exist, in the file it is named with."""
import re
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_the_package_docstring_names_exists():
    doc = " ".join(engine.__doc__.split())
    files = re.findall(r"``(tests/[\w/]+\.py)", doc)
    names = re.findall(r"(test_\w+)``", doc)
    assert len(files) == 5 and len(names) == 6
    text = "".join((ROOT / f).read_text() for f in files)
    assert [n for n in names if f"def {n}(" not in text] == []
