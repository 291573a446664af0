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


# Server modules tested through every other test rather than by a file of their own:
UNNAMED_TESTS = {
    "__init__",    # create_app: every test's app fixture (tests/server/conftest.py)
    "responses",   # the answer models: every answer is checked against them (tests/server/apicheck.py)
    "wsgi",        # gunicorn's entry point: test_gunicorn.py and test_faults.py start it
}


def test_every_server_module_has_a_test_file_of_its_name():
    root = pathlib.Path(__file__).parent.parent
    modules = {p.stem for p in root.joinpath("server").glob("*.py")} | \
        {p.parent.name for p in root.joinpath("server").glob("*/__init__.py")}
    tests = {p.stem.removeprefix("test_") for p in root.joinpath("tests", "server").glob("test_*.py")}
    assert sorted(modules - tests - UNNAMED_TESTS) == []
    assert UNNAMED_TESTS <= modules - tests   # an entry that got its file leaves the list
