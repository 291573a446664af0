"""One name per meaning: a module-level constant is defined in one module and
imported wherever else it is needed, so a name never stands for two things
(OUTPUTS once a tuple and a dict) or for one fact kept twice."""
from __future__ import annotations

import ast
import collections
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_constants() -> dict[str, list[str]]:
    """UPPER_CASE names assigned at the top level of engine/ and server/ modules."""
    where = collections.defaultdict(list)
    for package in ("engine", "server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.parse(path.read_text()).body:
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AnnAssign) else []
                for target in targets:
                    for name in (target.elts if isinstance(target, ast.Tuple) else [target]):
                        if isinstance(name, ast.Name) and re.fullmatch(r"[A-Z][A-Z0-9_]+", name.id):
                            where[name.id].append(str(path.relative_to(ROOT)))
    return where


def js_constants() -> dict[str, list[str]]:
    where = collections.defaultdict(list)
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        for name in re.findall(r"^(?:export )?(?:const|let) ([A-Z][A-Z0-9_]+)\b", path.read_text(), re.M):
            where[name].append(path.name)
    return where


def test_the_scan_finds_the_constants():
    assert python_constants()["HISTORY_KEYS"] == ["engine/history.py"]
    assert js_constants()["HISTORY_KEYS"] == ["curves.js"]


def test_every_constant_is_defined_in_one_module():
    twice = {name: places for table in (python_constants(), js_constants())
             for name, places in table.items() if len(places) > 1}
    assert twice == {}
