"""The engine is pure NumPy: it must not import the web side."""
import ast
import pathlib

FORBIDDEN = {"flask", "plotly", "server", "werkzeug", "redis", "pydantic", "gunicorn"}


def test_engine_imports_nothing_from_the_web_side():
    offenders = []
    for path in pathlib.Path(__file__).parent.parent.joinpath("engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
