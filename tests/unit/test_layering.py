"""Imports run one way: server → schemas → (sync, bureau) → gis (DESIGN §2), and all of them
may use the error catalogue (errorcodes/), which imports nothing but the standard library.

The import graph of the first-party packages is read from the source (every import counts,
including those inside functions; relative imports are resolved), with no app and no database.
Each test names the offending edges. Inside ``server/`` the same one-way rule holds between
layers: the API blueprints sit on the services, the services never reach back up into the API,
no blueprint borrows from another, and no module imports itself round a cycle.

The second half of the file checks the checker: each rule fails on a small synthetic tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.import_graph import (
    Edge,
    ImportGraph,
    build_graph,
    cycle_report,
    cycles,
    defines_blueprint,
    in_package,
    violations,
)

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("server", "schemas", "sync", "bureau", "demo", "gis", "errorcodes")
WEB_FRAMEWORK = {"flask", "flask_sqlalchemy", "flask_smorest", "werkzeug"}

# What each package below server/ may import at all: the packages under it, plus the third-party
# libraries its job needs.
ALLOWED = {
    # the error catalogue, under everything: every package takes its codes from it
    "errorcodes": {"errorcodes"},
    "gis": {"gis", "errorcodes", "shapely", "sqlalchemy", "geoalchemy2", "numpy"},  # numpy: many
    "bureau": {"bureau", "gis", "errorcodes", "shapely", "numpy"},  # numpy: shapely arrays' hints
    "demo": {"demo", "bureau", "gis", "errorcodes", "shapely"},  # generated data on the rules
    "sync": {"sync", "bureau", "gis", "errorcodes"},
    "schemas": {"schemas", "sync", "bureau", "gis", "errorcodes", "marshmallow"},
}


def _top(module: str) -> str:
    return module.split(".")[0]


def _blueprint(graph: ImportGraph, module: str) -> bool:
    return (
        module in graph.modules
        and in_package(module, "server.api")
        and defines_blueprint(graph.modules[module])
    )


RULES = {
    "a service imports the API": lambda graph, edge: (
        in_package(edge.source, "server.services") and in_package(edge.target, "server.api")
    ),
    # the API is the top of server/: the app factory registers it, nothing else leans on it
    "a module outside the API imports it": lambda graph, edge: (
        in_package(edge.source, "server")
        and edge.source != "server"
        and not in_package(edge.source, "server.api")
        and not in_package(edge.source, "server.services")  # its own rule above
        and in_package(edge.target, "server.api")
    ),
    "a blueprint imports another blueprint": lambda graph, edge: (
        edge.source != edge.target
        and _blueprint(graph, edge.source)
        and _blueprint(graph, edge.target)
    ),
    "outside server/ imports server/": lambda graph, edge: (
        not edge.external
        and not in_package(edge.source, "server")
        and in_package(edge.target, "server")
    ),
    "outside server/ imports the web framework": lambda graph, edge: (
        edge.external and not in_package(edge.source, "server") and edge.target in WEB_FRAMEWORK
    ),
    "gis imports a layer above it": lambda graph, edge: (
        in_package(edge.source, "gis") and _top(edge.target) in {"sync", "bureau", "schemas"}
    ),
    "sync, bureau or gis imports marshmallow": lambda graph, edge: (
        _top(edge.source) in {"sync", "bureau", "gis"} and edge.target == "marshmallow"
    ),
    "a package imports what is not below it": lambda graph, edge: (
        _top(edge.source) in ALLOWED
        and _top(edge.target) not in ALLOWED[_top(edge.source)]
        and _top(edge.target) not in sys.stdlib_module_names
    ),
}


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return build_graph(ROOT, FIRST_PARTY)


def test_the_graph_sees_every_package(graph: ImportGraph) -> None:
    assert {_top(module) for module in graph.modules} == set(FIRST_PARTY)
    assert len(graph.internal()) > 100


def test_no_module_imports_itself_round_a_cycle(graph: ImportGraph) -> None:
    found = cycle_report(graph)
    assert not found, "import cycles, and the imports inside them:\n" + "\n".join(found)


def test_imports_run_one_way(graph: ImportGraph) -> None:
    found = violations(graph, RULES)
    assert not found, "imports against the layering:\n" + "\n".join(found)


# --- the checker itself, on synthetic trees ------------------------------------------------------

CLEAN = {
    "server/__init__.py": "from server import api\n",
    "server/api/__init__.py": "",
    "server/api/common.py": "import flask\n\ndef helper():\n    return 1\n",
    "server/api/cases.py": (
        "from server.api.common import helper\n"
        "from server.services import casework\n"
        "from . import common\n"
        "blp = protected_blueprint('cases', __name__, 'Casework')\n"
    ),
    "server/api/ogc.py": "from flask import Blueprint\nblp = Blueprint('ogc', __name__)\n",
    "server/services/__init__.py": "",
    "server/services/casework.py": "from server.services.registry import locate\n",
    "server/services/registry.py": (
        "import sqlalchemy\n"
        "from ..models.base import Model\n"
        "\n"
        "def locate():\n"
        "    import gis.routing\n"
    ),
    "server/models/__init__.py": "",
    "server/models/base.py": "",
    "schemas/__init__.py": (
        "import marshmallow\nfrom sync import entities\nfrom bureau import rules\n"
    ),
    "sync/__init__.py": "",
    "sync/entities.py": "from bureau.rules import x\nfrom gis import routing\n",
    "bureau/__init__.py": "",
    "bureau/rules.py": "import shapely\nfrom gis.routing import choose\n",
    "gis/__init__.py": "",
    "gis/routing.py": "import math\nfrom .bbox import BBox\n",
    "gis/bbox.py": "",
}


def tree(tmp_path: Path, files: dict[str, str]) -> ImportGraph:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return build_graph(tmp_path, FIRST_PARTY)


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    graph = tree(tmp_path, CLEAN)
    assert cycles(graph) == []
    assert violations(graph, RULES) == []


def test_relative_and_function_level_imports_are_resolved(tmp_path: Path) -> None:
    graph = tree(tmp_path, CLEAN)
    edges = {(edge.source, edge.target) for edge in graph.edges}
    assert ("server.api.cases", "server.api.common") in edges  # from . import common
    assert ("server.api.cases", "server.services.casework") in edges  # from package import module
    assert ("server.services.registry", "server.models.base") in edges  # from ..models.base
    assert ("gis.routing", "gis.bbox") in edges  # from .bbox import BBox
    assert ("server.services.registry", "gis.routing") in edges  # inside a function
    assert ("server.services.registry", "sqlalchemy") in edges  # third party, by its top name
    assert Edge("sync.entities", "bureau.rules", "sync/entities.py", 1) in graph.edges


@pytest.mark.parametrize(
    ("rule", "path", "line", "edge"),
    [
        (
            "a service imports the API",
            "server/services/registry.py",
            "def refresh():\n    from ..api.common import helper\n",
            "server.services.registry → server.api.common",
        ),
        (
            "a module outside the API imports it",
            "server/models/base.py",
            "from server.api import common\n",
            "server.models.base → server.api.common",
        ),
        (
            "a blueprint imports another blueprint",
            "server/api/ogc.py",
            "from server.api.cases import blp as cases_blp\n",
            "server.api.ogc → server.api.cases",
        ),
        (
            "outside server/ imports server/",
            "sync/entities.py",
            "def f():\n    from server.services.casework import x\n",
            "sync.entities → server.services.casework",
        ),
        (
            "outside server/ imports the web framework",
            "schemas/__init__.py",
            "from werkzeug.exceptions import NotFound\n",
            "schemas → werkzeug",
        ),
        (
            "gis imports a layer above it",
            "gis/routing.py",
            "from bureau import rules\n",
            "gis.routing → bureau.rules",
        ),
        (
            "sync, bureau or gis imports marshmallow",
            "bureau/rules.py",
            "from marshmallow import fields\n",
            "bureau.rules → marshmallow",
        ),
        (
            "a package imports what is not below it",
            "bureau/rules.py",
            "import sync.entities\n",
            "bureau.rules → sync.entities",
        ),
    ],
)
def test_each_rule_fails_and_names_the_edge(
    tmp_path: Path, rule: str, path: str, line: str, edge: str
) -> None:
    files = dict(CLEAN)
    files[path] += line
    found = violations(tree(tmp_path, files), RULES)
    assert any(text.startswith(f"{rule}: {edge} ({path}:") for text in found), found


def test_a_cycle_is_reported_as_a_path(tmp_path: Path) -> None:
    files = dict(CLEAN)
    # casework → registry (top level) → casework (inside a function, relatively)
    files["server/services/registry.py"] += "def back():\n    from . import casework\n"
    graph = tree(tmp_path, files)
    assert cycles(graph) == [
        ["server.services.casework", "server.services.registry", "server.services.casework"]
    ]
    assert cycle_report(graph) == [
        "cycle: server.services.casework → server.services.registry → server.services.casework",
        "    server.services.casework → server.services.registry (server/services/casework.py:1)",
        "    server.services.registry → server.services.casework (server/services/registry.py:7)",
    ]


def test_a_longer_cycle_and_a_self_import_are_both_found(tmp_path: Path) -> None:
    files = dict(CLEAN)
    files["gis/bbox.py"] = "from gis import routing\n"  # routing → bbox → routing
    files["server/api/common.py"] += "import server.api.common\n"
    files["sync/entities.py"] += "from schemas import x\n"  # schemas → sync.entities → schemas
    found = cycles(tree(tmp_path, files))
    assert ["gis.bbox", "gis.routing", "gis.bbox"] in found
    assert ["server.api.common", "server.api.common"] in found
    assert ["schemas", "sync.entities", "schemas"] in found
    assert len(found) == 3
