"""The JSON API's views are its route table: each is one row, declared once."""
from __future__ import annotations

import ast
from pathlib import Path

from server import api


def test_every_view_is_one_row_of_the_route_table(app):
    tree = ast.parse(Path(api.__file__).read_text())
    views = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert views and all([d.func.id for d in v.decorator_list] == ["route"] for v in views)
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in ("api", "health")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(served) == len(views)
