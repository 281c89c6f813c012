"""The import graph of first-party packages, read from the source with ``ast``, and its rules.

Every ``import`` statement counts, wherever it sits: at the top of a module, inside a function,
under ``if TYPE_CHECKING``. Relative imports are resolved against the importing module. A
``from a.b import c`` names the module ``a.b.c`` when that is a module of the tree, else ``a.b``.
Imports of anything outside the tree are kept as edges to the top-level name (``flask``,
``marshmallow``), so rules can speak about third-party libraries too.

Used by ``tests/unit/test_layering.py``; nothing here imports the code it reads.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


@dataclass(frozen=True, order=True)
class Edge:
    source: str  # importing module, e.g. "server.services.importer"
    target: str  # imported module of the tree, or a third-party top-level name
    path: str  # importing file, relative to the root
    line: int
    external: bool = False

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.path}:{self.line})"


@dataclass
class ImportGraph:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)  # dotted name → file
    edges: list[Edge] = field(default_factory=list)

    def internal(self) -> list[Edge]:
        return [edge for edge in self.edges if not edge.external]

    def external(self) -> list[Edge]:
        return [edge for edge in self.edges if edge.external]

    def is_package(self, module: str) -> bool:
        return self.modules[module].name == "__init__.py"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def build_graph(root: Path, packages: Iterable[str]) -> ImportGraph:
    """Read every ``*.py`` under ``root/<package>`` for the given top-level packages."""
    graph = ImportGraph(root=root)
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            graph.modules[module_name(root, path)] = path
    for name, path in sorted(graph.modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relpath = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            for target in _targets(graph, name, node):
                external = target not in graph.modules
                graph.edges.append(Edge(name, target, relpath, node.lineno, external))
    graph.edges = sorted(set(graph.edges))
    return graph


def _known(graph: ImportGraph, dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is a module of the tree, if any."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in graph.modules:
            return candidate
    return None


def _resolve(graph: ImportGraph, dotted: str) -> str:
    return _known(graph, dotted) or dotted.split(".")[0]


def _targets(graph: ImportGraph, importer: str, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [_resolve(graph, alias.name) for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = importer.split(".")
        if not graph.is_package(importer):
            base = base[:-1]
        if node.level - 1 > len(base) - 1:
            raise ValueError(f"{importer}: relative import beyond the top-level package")
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    targets = []
    for alias in node.names:
        submodule = f"{module}.{alias.name}"
        targets.append(submodule if submodule in graph.modules else _resolve(graph, module))
    return targets


# --- rules -------------------------------------------------------------------------------------


def _successors(graph: ImportGraph) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {name: [] for name in graph.modules}
    for edge in graph.internal():
        if edge.target not in successors[edge.source]:
            successors[edge.source].append(edge.target)
    return successors


def tangles(graph: ImportGraph) -> list[list[str]]:
    """The groups of modules that import one another round a cycle (strongly connected
    components of more than one module, or a module that imports itself), each sorted."""
    successors = _successors(graph)
    return sorted(
        component
        for component in _strongly_connected(successors)
        if len(component) > 1 or component[0] in successors[component[0]]
    )


def cycles(graph: ImportGraph) -> list[list[str]]:
    """One concrete cycle (``[a, b, …, a]``, shortest through the group's first module) per
    tangle."""
    successors = _successors(graph)
    return [_cycle_through(group[0], set(group), successors) for group in tangles(graph)]


def cycle_report(graph: ImportGraph) -> list[str]:
    """Per tangle: one cycle through it, then every import edge inside it (each one a
    candidate to cut)."""
    lines = []
    for group, cycle in zip(tangles(graph), cycles(graph), strict=True):
        members = set(group)
        lines.append("cycle: " + " → ".join(cycle))
        lines += [
            f"    {edge}"
            for edge in graph.internal()
            if edge.source in members and edge.target in members
        ]
    return lines


def _strongly_connected(successors: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the tree is deep enough for recursion to be a worry)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(successors):
        if root in index:
            continue
        work = [(root, iter(sorted(successors[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(successors[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _cycle_through(start: str, members: set[str], successors: Mapping[str, list[str]]) -> list[str]:
    """The shortest path from ``start`` back to itself inside one strongly connected group."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(successors[node]):
                if child not in members:
                    continue
                if child == start:
                    return _unwind(start, node, previous)
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")


def _unwind(start: str, last: str, previous: Mapping[str, str]) -> list[str]:
    path = [last]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return [*reversed(path), start]


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


Rule = Callable[[ImportGraph, Edge], bool]


def violations(graph: ImportGraph, rules: Mapping[str, Rule]) -> list[str]:
    """``"<rule>: <edge>"`` for every edge that a rule refuses."""
    return [
        f"{name}: {edge}"
        for edge in graph.edges
        for name, refuses in rules.items()
        if refuses(graph, edge)
    ]


@cache
def defines_blueprint(path: Path) -> bool:
    """A module that makes a Flask blueprint at its top level (``blp = …Blueprint(…)``)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call):
            func = value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if "blueprint" in name.lower():
                return True
    return False
