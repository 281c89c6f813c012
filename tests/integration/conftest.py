"""Integration fixtures: every test here runs on SpatiaLite and on PostgreSQL/PostGIS.

Every Flask test client these tests use checks each answer against the served OpenAPI document
(:func:`openapi_checked_clients`, ``tests/support/openapi_check.py``).

Each backend gets two template databases per session — one migrated to head, one with the demo
county loaded — and every test gets its own fresh copy of one of them (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests never share state and still start fast.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from tests.support import openapi_check
from tests.support.postgis import PostgisUnavailable, ThrowawayPostgis

BACKENDS = ("sqlite", "postgresql")
DEMO_SEED = 12369
_counter = itertools.count(1)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def openapi_checked_clients(monkeypatch):
    """Every app's ``test_client()`` — through the fixtures below, ``app.test_client()`` in a
    test, or a device's transport — is a :class:`~tests.support.openapi_check.CheckedClient`:
    each answer is validated against the OpenAPI document (built once per session), error
    envelopes included, but for the paths listed in ``openapi_check.NOT_API``."""
    from flask import Flask

    monkeypatch.setattr(Flask, "test_client_class", openapi_check.CheckedClient)


def pytest_terminal_summary(terminalreporter):
    for line in openapi_check.summary(openapi_check._CHECKER):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgis():
    server = ThrowawayPostgis()
    try:
        server.start()
    except PostgisUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL/PostGIS is required in CI: {error}")
        pytest.skip(f"PostgreSQL/PostGIS not available: {error}")
    yield server
    server.stop()


def _build_app(url: str, instance: Path):
    from server import create_app

    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "TESTING": True})


def _prepare(url: str, instance: Path, *, demo: bool, cases: bool = False) -> None:
    from server.extensions import db
    from server.migrate import upgrade
    from server.services.demo import load_demo

    app = _build_app(url, instance)
    with app.app_context():
        upgrade(db.engine)
        if demo:
            load_demo(seed=DEMO_SEED, cases=cases, seeded_credentials=True)
        db.session.remove()
        db.engine.dispose()


class Databases:
    """Hands out fresh databases of one backend, cloned from lazily built templates."""

    def __init__(self, backend: str, workdir: Path, request: pytest.FixtureRequest):
        self.backend = backend
        self.workdir = workdir
        self.request = request
        self._templates: dict[str, str] = {}

    def _server(self) -> ThrowawayPostgis:
        return self.request.getfixturevalue("postgis")

    def _template(self, kind: str) -> str:
        if kind not in self._templates:
            demo = kind in ("demo", "demo_cases")
            cases = kind == "demo_cases"
            if self.backend == "sqlite":
                path = self.workdir / f"template-{kind}.db"
                _prepare(f"sqlite:///{path}", self.workdir, demo=demo, cases=cases)
                self._templates[kind] = str(path)
            else:
                server = self._server()
                name = f"fs_template_{kind}"
                server.drop_database(name)
                url = server.create_database(name)
                _prepare(url, self.workdir, demo=demo, cases=cases)
                server.psql(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
                self._templates[kind] = name
        return self._templates[kind]

    def empty_url(self) -> str:
        """A database with nothing in it (PostGIS installed on PostgreSQL), for migrations."""
        number = next(_counter)
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / f'empty-{number}.db'}"
        return self._server().create_database(f"fs_empty_{number}")

    def fresh_url(self, kind: str = "migrated") -> str:
        template = self._template(kind)
        number = next(_counter)
        if self.backend == "sqlite":
            path = self.workdir / f"test-{number}.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        return self._server().create_database(f"fs_test_{number}", template=template)

    def refill(self, url: str, kind: str) -> None:
        """Put a fresh copy of template ``kind`` where ``url`` points (no one connected)."""
        template = self._template(kind)
        if self.backend == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(template, path)
            return
        name = url.rsplit("/", 1)[1]
        self._server().drop_database(name)
        self._server().create_database(name, template=template)

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            self._server().drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def _databases(tmp_path_factory, request):
    return {
        backend: Databases(backend, tmp_path_factory.mktemp(backend), request)
        for backend in BACKENDS
    }


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def databases(_databases, backend) -> Databases:
    return _databases[backend]


def _app_for(url: str, tmp_path: Path):
    from server.extensions import db

    app = _build_app(url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(databases, tmp_path):
    """An app on a fresh, migrated, empty database."""
    yield from _app_for(databases.fresh_url("migrated"), tmp_path)


@pytest.fixture
def demo_app(databases, tmp_path):
    """An app on a fresh copy of the demo county."""
    yield from _app_for(databases.fresh_url("demo"), tmp_path)


@pytest.fixture
def casework_app(databases, tmp_path):
    """An app on a fresh copy of the demo county with its demo casework replayed."""
    yield from _app_for(databases.fresh_url("demo_cases"), tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture(scope="session")
def demo_county():
    from demo.county import build_demo_county

    return build_demo_county(DEMO_SEED)


@pytest.fixture(scope="session")
def demo_tokens(demo_county) -> dict[str, str]:
    """username → the demo device token of that user."""
    return {device.username: device.token for device in demo_county.devices}
