"""The layers' rules: the engine is pure NumPy and never imports the web
side; no module of engine/ or server/ takes part in an import loop; every
engine module has a test file of its name."""
import ast
import pathlib
import re

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


ROOT = pathlib.Path(__file__).parent.parent
PACKAGES = ("engine", "server")


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _load_time_nodes(tree: ast.AST):
    """Every node that runs when the module is loaded: all but function bodies
    (an import inside a function, as create_app imports the blueprints, runs
    after every module is loaded and closes no loop; one in an ``if __name__``
    block or a class body does)."""
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield node
            yield from _load_time_nodes(node)


def _imports(path: pathlib.Path, modules: set[str]) -> set[str]:
    """The project modules that ``path`` imports while it is loaded."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _load_time_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:   # from a import b: module a.b if there is one, else a
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def _import_graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that lies on one (depth-first search)."""
    loops, done = [], set()

    def visit(node, path):
        if node in path:
            loops.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return loops


def test_the_import_graph_sees_the_imports_it_must():
    graph = _import_graph()
    assert {"engine.training", "engine.network"} <= graph["engine.checkpoint"]
    assert "engine.experiment.cli" in graph["engine.experiment.__main__"]
    assert {"server.config", "server.store"} <= graph["server"]
    assert "server.api" not in graph["server"]    # imported inside create_app
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_of_engine_or_server_takes_part_in_an_import_loop():
    assert _loops(_import_graph()) == []


def _test_file(module: pathlib.Path) -> pathlib.Path | None:
    """The test file named after an engine module: engine/a/b.py ->
    tests/engine/a/test_b.py; a package's __init__ -> test_package.py beside
    them (None for one that is only a docstring); __main__ -> test_main.py."""
    relative = module.relative_to(ROOT)
    folder = ROOT / "tests" / relative.parent
    if module.name == "__init__.py":
        body = ast.parse(module.read_text()).body
        if all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body):
            return None
        return folder / "test_package.py"
    return folder / f"test_{module.stem.strip('_')}.py"


def test_every_engine_module_has_a_test_file_of_its_name():
    missing = [str(test.relative_to(ROOT)) for module in sorted((ROOT / "engine").rglob("*.py"))
               if (test := _test_file(module)) is not None and not test.is_file()]
    assert missing == []

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


def _page_imports() -> dict[str, set[str]]:
    """static/js's modules and the page modules each imports (static imports)."""
    folder = ROOT / "static" / "js"
    found = re.compile(r"^\s*(?:import|export)\b[^;]*?from\s+['\"]\./([\w-]+)\.js['\"]"
                       r"|^import\s+['\"]\./([\w-]+)\.js['\"]", re.M)
    return {path.stem: {a or b for a, b in found.findall(path.read_text())}
            for path in folder.glob("*.js")}


def test_no_page_module_takes_part_in_an_import_loop():
    graph = _page_imports()
    assert {"api", "state"} <= graph["main"]
    assert _loops(graph) == []
