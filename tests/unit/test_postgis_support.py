"""Smoke test for tests/support/postgis.py (starts a real throwaway PostGIS cluster)."""

import os
import uuid

import pytest

from tests.support.postgis import PostgisUnavailable, ThrowawayPostgis


def _start_or_skip() -> ThrowawayPostgis:
    try:
        return ThrowawayPostgis().start()
    except PostgisUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostGIS is required under CI: {exc}")
        pytest.skip(f"PostGIS not available: {exc}")


def test_throwaway_postgis_create_query_drop_stop():
    pg = _start_or_skip()
    try:
        name = f"t_support_{uuid.uuid4().hex[:12]}"
        url = pg.create_database(name)

        assert url.startswith("postgresql+psycopg://")
        assert url.endswith(f"/{name}")
        assert pg.psql(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "1"

        version = pg.psql("SELECT postgis_version()", dbname=name)
        assert version and version[0].isdigit(), version

        pg.drop_database(name)
        assert pg.psql(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "0"
        pg.drop_database(name)  # idempotent
    finally:
        tmpdir = pg._tmpdir
        pg.stop()
    assert not pg.started
    if not pg.external:
        assert tmpdir is not None and not os.path.exists(tmpdir)


def test_invalid_database_name_is_rejected():
    with pytest.raises(ValueError):
        ThrowawayPostgis(admin_url="", template='bad"name')
