"""Small helpers shared by the integration tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(app, username: str) -> str:
    """Register a new device for ``username`` in ``app``'s database and return its token."""
    from server.extensions import db
    from server.services.accounts import find_user, register_device

    with app.app_context():
        _device, token = register_device(find_user(username), f"test device of {username}")
        db.session.commit()
    return token


def count(app, model) -> int:
    from server.extensions import db

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def station_id(app, code: str) -> int:
    from server.extensions import db
    from server.models import Station

    with app.app_context():
        return db.session.execute(sa.select(Station.id).where(Station.code == code)).scalar_one()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_app_env(monkeypatch, app, **extra: str) -> None:
    """Point the ``fieldsync`` command at ``app``'s database (plus ``FIELDSYNC_<extra>``)."""
    monkeypatch.setenv("FIELDSYNC_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("FIELDSYNC_INSTANCE_PATH", app.instance_path)
    for name, value in extra.items():
        monkeypatch.setenv(f"FIELDSYNC_{name}", value)


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """``fieldsync serve`` as a subprocess with ``env``, until it answers ``/healthz``; yields
    its base URL and stops it on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(300):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stdout.read())
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer /healthz")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()


def seeded_complaints(seeds, uid: Callable[[int], str], description: str) -> list:
    """Complaint rows, received at the hotline, from a workload's ``ComplaintSeed`` list."""
    from gis.wkt import point_ewkt
    from server.models import Complaint

    return [
        Complaint(
            uid=uid(i),
            version=1,
            sync_seq=0,
            channel="hotline_12369",
            category=seed.category,
            description=description,
            status="received",
            location=point_ewkt(seed.lon, seed.lat),
            received_at=seed.received_at,
        )
        for i, seed in enumerate(seeds)
    ]
