"""Dependencies point one way: no import cycle between the package's modules, and none of the forbidden
edges (the classifier knows no corpus, evaluation and the report never import the model, extraction knows
no classifier, the library knows no command line).

The graph is read from the source with ``ast``, not by importing: every ``import`` and ``from ... import``
counts, at module level and inside functions alike (a lazy import is still a dependency), with relative
imports resolved against the importing module's package. An edge goes to the module imported (``from .
import x`` names the submodule ``x`` when there is one, else the package itself).
"""
from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "stance"


@dataclass(frozen=True)
class Rule:
    """Modules matching ``sources`` must not import modules matching ``targets``. Names are relative to the
    package (``"model"``); a name covers its submodules (``"corpora"``: ``corpora.seesaw`` too); ``"*"``
    is every module."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    why: str


FORBIDDEN = (
    Rule(("model",), ("datasets", "corpora"), "the classifier takes records: it knows no corpus"),
    Rule(("evaluate", "metrics"), ("model",), "evaluation never imports the model: scores must not depend on what they score"),
    Rule(("report",), ("model",), "the report takes predictions, not a model"),
    Rule(("extraction",), ("model",), "extraction knows no classifier"),
    Rule(("*",), ("cli",), "the library knows no command line: cli sits on top"),
)

# Edges of the package that still close a cycle, each with the change that removes it. An edge listed here
# is left out of the cycle check; once it is gone from the code, the list must lose it too (the test says so).
PENDING: Mapping[tuple[str, str], str] = {}


# --------------------------------------------------------------------------- the graph
def package_modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package`` (``pkg/__init__.py`` is ``pkg``)."""
    package = Path(package)
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: Mapping[str, Path]) -> list[str]:
    """The modules of the package an import statement imports (relative names made absolute)."""
    if isinstance(node, ast.Import):
        asked = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            if node.level > len(base):
                raise ValueError(f"{module}: relative import beyond the top-level package (line {node.lineno})")
            base = base[: len(base) - (node.level - 1)]
            stem = ".".join([*base, *([node.module] if node.module else [])])
        else:
            stem = node.module or ""
        # `from pkg import name`: the submodule pkg.name when there is one, else pkg itself
        asked = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem for alias in node.names]
    found = []
    for target in asked:
        while target and target not in modules:  # `import pkg.sub.name` -> the innermost module; others: none
            target = target.rpartition(".")[0]
        if target:
            found.append(target)
    return found


def import_graph(package: Path) -> dict[str, dict[str, int]]:
    """The package's imports between its own modules: ``{module: {imported module: first line}}``.

    Imports anywhere in a module count (module level, functions, methods, ``if TYPE_CHECKING``); imports
    of other packages are left out."""
    modules = package_modules(package)
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(name, path.name == "__init__.py", node, modules):
                    if target != name:
                        line = graph[name].get(target, node.lineno)
                        graph[name][target] = min(line, node.lineno)
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One shortest cycle per strongly connected group of modules, each as ``[a, b, ..., a]``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan; the package is small enough for recursion
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_shortest_cycle(graph, group) for group in sorted(groups)]


def _shortest_cycle(graph: Mapping[str, Iterable[str]], group: list[str]) -> list[str]:
    """The shortest cycle through the first module of ``group`` that stays inside the group (BFS)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group always has one


def _matches(module: str, package: str, names: tuple[str, ...]) -> bool:
    relative = module[len(package) + 1:] if module.startswith(package + ".") else ""
    return any(n == "*" or relative == n or relative.startswith(n + ".") for n in names)


def architecture_problems(package: Path, rules: Iterable[Rule] = FORBIDDEN,
                          pending: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Every import cycle (naming its modules in order) and every forbidden edge (with file and line) of
    ``package``; ``pending`` edges are left out of the cycle check and must still exist."""
    package = Path(package)
    graph = import_graph(package)
    modules = package_modules(package)
    problems = []
    for rule in rules:
        for source, targets in graph.items():
            if not _matches(source, package.name, rule.sources):
                continue
            for target, line in targets.items():
                if target != source and _matches(target, package.name, rule.targets):
                    where = modules[source].relative_to(package.parent).as_posix()
                    problems.append(f"forbidden import {source} -> {target} ({where}:{line}): {rule.why}")
    pending = set(pending)
    for source, target in sorted(pending):
        if target not in graph.get(source, {}):
            problems.append(f"{source} -> {target} no longer exists: take it off the pending list")
    remaining = {m: [t for t in targets if (m, t) not in pending] for m, targets in graph.items()}
    for cycle in find_cycles(remaining):
        steps = [f"{a} -> {b} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])]
        problems.append("import cycle " + " -> ".join(cycle) + ": " + "; ".join(steps))
    return problems


# --------------------------------------------------------------------------- the package
def test_the_package_has_no_import_cycle_and_no_forbidden_import():
    problems = architecture_problems(PACKAGE, FORBIDDEN, PENDING)
    assert not problems, "\n".join(problems)


def unresolved_imports(package: Path) -> list[str]:
    """Imports of the package's own modules that name no module of it (``from .gone import x``), with file
    and line: an import inside a function fails only when that function runs."""
    package = Path(package)
    modules = package_modules(package)
    top = package.name
    problems = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == top):
                if node.level:
                    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    stem = node.module or ""
                if stem not in modules:
                    problems.append(f"{path.relative_to(package.parent)}:{node.lineno}: no module {stem}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == top and alias.name not in modules:
                        problems.append(f"{path.relative_to(package.parent)}:{node.lineno}: no module {alias.name}")
    return problems


def test_every_import_of_the_package_names_a_module_that_exists():
    assert unresolved_imports(PACKAGE) == []


def test_an_import_of_a_removed_module_inside_a_function_is_reported(tmp_path):
    pkg = tmp_path / "toy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "paths.py").write_text("def data_dir():\n    return '.'\n")
    (pkg / "train.py").write_text("def load():\n    from .datasets import data_dir\n    return data_dir()\n")
    assert unresolved_imports(pkg) == ["toy/train.py:2: no module toy.datasets"]


def test_the_graph_sees_lazy_and_relative_imports_of_the_package():
    graph = import_graph(PACKAGE)
    assert "stance.report" in graph["stance.pipeline"]  # `from .report import write_run_report` inside _process
    assert "stance.provenance" in graph["stance.model"]  # `from . import provenance as prov` inside a method
    assert "stance.corpora.polnear" in graph and "stance.errors" in graph["stance.corpora.polnear"]  # `from ..errors`
    assert "stance.cli" not in {t for targets in graph.values() for t in targets}


# --------------------------------------------------------------------------- a toy package
def write_package(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / next(iter(files)).split("/")[0]


TOY = {
    "toy/__init__.py": '"""A toy package."""\n',
    "toy/errors.py": "class ToyError(Exception):\n    pass\n",
    "toy/records.py": "from .errors import ToyError\n",
    "toy/model.py": """
        from .records import ToyError


        def predict():
            from toy import pipeline  # absolute, inside a function

            return pipeline
        """,
    "toy/pipeline.py": """
        import json


        def run():
            from .model import predict  # relative, inside a function: closes model -> pipeline -> model

            return predict
        """,
    "toy/corpora/__init__.py": "",
    "toy/corpora/seesaw.py": "from ..errors import ToyError  # two dots: toy.errors\n",
    "toy/cli.py": "from . import model, pipeline\n",
}


def test_a_cycle_through_a_function_level_import_is_reported_by_name(tmp_path):
    toy = write_package(tmp_path, TOY)
    graph = import_graph(toy)
    assert graph["toy.model"] == {"toy.records": 2, "toy.pipeline": 6}
    assert graph["toy.corpora.seesaw"] == {"toy.errors": 1}
    assert set(graph["toy.cli"]) == {"toy.model", "toy.pipeline"}
    assert find_cycles(graph) == [["toy.model", "toy.pipeline", "toy.model"]]
    problems = architecture_problems(toy)
    assert problems == ["import cycle toy.model -> toy.pipeline -> toy.model: toy.model -> toy.pipeline (line 6); "
                        "toy.pipeline -> toy.model (line 6)"]


def test_a_package_without_cycles_passes_and_a_pending_edge_breaks_a_cycle(tmp_path):
    fixed = {**TOY, "toy/pipeline.py": "import json\n"}
    assert architecture_problems(write_package(tmp_path / "fixed", fixed)) == []
    toy = write_package(tmp_path / "pending", TOY)
    assert architecture_problems(toy, pending=[("toy.pipeline", "toy.model")]) == []
    assert architecture_problems(toy, pending=[("toy.pipeline", "toy.model"), ("toy.cli", "toy.errors")]) == [
        "toy.cli -> toy.errors no longer exists: take it off the pending list"]


@pytest.mark.parametrize("name, text, expected", [
    pytest.param("toy/model.py", "def load():\n    from .corpora.seesaw import ToyError\n",
                 "forbidden import toy.model -> toy.corpora.seesaw (toy/model.py:2): the classifier takes records",
                 id="model-to-corpus"),
    pytest.param("toy/metrics.py", "from toy.model import predict\n",
                 "forbidden import toy.metrics -> toy.model (toy/metrics.py:1): evaluation never imports the model",
                 id="metrics-to-model"),
    pytest.param("toy/report.py", "def write(path):\n    from . import model\n",
                 "forbidden import toy.report -> toy.model (toy/report.py:2): the report takes predictions",
                 id="report-to-model"),
    pytest.param("toy/corpora/seesaw.py", "def main():\n    import toy.cli\n",
                 "forbidden import toy.corpora.seesaw -> toy.cli (toy/corpora/seesaw.py:2): the library knows no "
                 "command line",
                 id="library-to-cli"),
])
def test_a_forbidden_edge_is_reported_with_file_and_line(tmp_path, name, text, expected):
    acyclic = {**TOY, "toy/pipeline.py": "import json\n"}
    toy = write_package(tmp_path, {**acyclic, name: text})
    problems = architecture_problems(toy)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
