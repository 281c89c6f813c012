"""The ``fieldsync`` command as an operator uses it: demo, serve, users, devices, import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner

from server.cli import main
from tests.integration.helpers import serving


@pytest.fixture
def cli_env(monkeypatch, databases, tmp_path):
    url = databases.fresh_url("migrated")
    monkeypatch.setenv("FIELDSYNC_DATABASE_URL", url)
    monkeypatch.setenv("FIELDSYNC_INSTANCE_PATH", str(tmp_path))
    return {"FIELDSYNC_DATABASE_URL": url, "FIELDSYNC_INSTANCE_PATH": str(tmp_path)}


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["db", "--help"],
        ["db", "upgrade", "--help"],
        ["demo", "--help"],
        ["import", "--help"],
        ["user", "add", "--help"],
        ["device", "register", "--help"],
        ["device", "revoke", "--help"],
        ["device", "list", "--help"],
    ):
        result = run(*args)
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_user_add_device_register_and_revoke(cli_env):
    leader = (
        "user",
        "add",
        "wangfang",
        "--full-name",
        "王芳",
        "--role",
        "leader",
        "--password",
        "a long password",
    )
    assert run(*leader).exit_code == 0
    duplicate = run(*leader)
    assert duplicate.exit_code == 1
    assert "taken" in duplicate.output
    no_station = run(
        "user",
        "add",
        "li",
        "--full-name",
        "李",
        "--role",
        "inspector",
        "--password",
        "a long password",
    )
    assert no_station.exit_code == 1
    assert "station" in no_station.output

    registered = CliRunner().invoke(
        main, ["device", "register", "--user", "wangfang", "--name", "desk"]
    )
    assert registered.exit_code == 0
    token = registered.stdout.strip().splitlines()[-1]
    assert token.startswith("fs_")

    from server import create_app
    from server.extensions import db

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    device_id = client.get("/api/v1/me", headers=headers).get_json()["device"]["id"]
    assert run("device", "revoke", str(device_id)).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    listed = run("device", "list")
    assert "revoked" in listed.output
    with app.app_context():
        db.engine.dispose()


def _printed_credentials(output: str) -> dict[str, dict[str, str]]:
    """The demo accounts' passwords and the devices' tokens, as `fieldsync demo` prints them."""
    found: dict[str, dict[str, str]] = {"passwords": {}, "tokens": {}}
    section = None
    for line in output.splitlines():
        if "Demo accounts" in line:
            section = "passwords"
        elif "Demo device tokens" in line:
            section = "tokens"
        elif section and line.startswith("  "):
            words = line.split()
            found[section][words[0]] = words[-1]
    return found


def test_demo_then_serve(databases, tmp_path, demo_tokens, demo_county):
    """`fieldsync demo` then `fieldsync serve` on a new database: healthz and a bbox read work."""
    url = databases.empty_url()
    env = dict(os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=str(tmp_path))
    demo = subprocess.run(
        [sys.executable, "-m", "server", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr
    assert "demo county loaded" in demo.stdout
    again = subprocess.run(
        [sys.executable, "-m", "server", "demo", "--if-empty"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and "already has data" in again.stdout

    # this install's own tokens and passwords, printed once; the seed's public ones open nothing
    printed = _printed_credentials(demo.stdout)
    assert set(printed["tokens"]) == set(demo_tokens)
    assert not set(printed["tokens"].values()) & set(demo_tokens.values())
    assert {u.username for u in demo_county.users} == set(printed["passwords"])
    assert not {u.password for u in demo_county.users} & set(printed["passwords"].values())
    enterprises = "/api/v1/enterprises?bbox=119.8,31.6,120.3,31.9&page_size=3"

    with serving(env) as base:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
            health = response.read().decode()
        assert '"ok"' in health

        def status_with(token: str) -> int:
            request = urllib.request.Request(
                base + enterprises, headers={"Authorization": f"Bearer {token}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert b"FeatureCollection" in response.read()
                    return response.status
            except urllib.error.HTTPError as refused:
                refused.close()
                return refused.code

        assert status_with(printed["tokens"]["qs_inspector"]) == 200
        assert status_with(demo_tokens["qs_inspector"]) == 401
        sign_in = urllib.request.Request(
            base + "/api/v1/devices/register",
            data=json.dumps(
                {"username": "qs_staff", "password": printed["passwords"]["qs_staff"],
                 "name": "试用手机"}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(sign_in, timeout=10) as response:
            assert response.status == 201 and json.loads(response.read())["token"]
        anonymous = urllib.request.Request(base + enterprises)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(anonymous, timeout=10)
        assert refused.value.code == 401
        refused.value.close()


def test_reference_device_client_from_the_shell(databases, tmp_path, demo_county):
    """`fieldsync device login/act/sync/status` drive the reference client like a phone."""
    import json

    url = databases.fresh_url("demo")
    env = dict(os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=str(tmp_path))
    with serving(env) as base:
        inspector = next(u for u in demo_county.users if u.username == "qs_inspector")
        store = str(tmp_path / "phone.db")
        login = run(
            "device",
            "login",
            "--store",
            store,
            "--server",
            base,
            "--username",
            inspector.username,
            "--name",
            "Li Na phone",
            "--password",
            inspector.password,
        )
        assert login.exit_code == 0, login.output
        script = tmp_path / "day.json"
        script.write_text(
            json.dumps(
                [
                    {
                        "do": "create",
                        "entity": "complaint",
                        "as": "c1",
                        "fields": {"category": "odour", "description": "巡查中发现异味"},
                    },
                    {
                        "do": "create",
                        "entity": "visit",
                        "as": "v1",
                        "fields": {
                            "target_kind": "complaint",
                            "target_ref": "$c1",
                            "accuracy_m": 7.5,
                            "location": {"type": "Point", "coordinates": [119.87, 31.70]},
                            "visited_at": "2026-11-25T10:00:00+08:00",
                            "findings": "异味明显",
                        },
                    },
                    {
                        "do": "update",
                        "entity": "complaint",
                        "record_id": "$c1",
                        "fields": {"summary": "已告知企业"},
                    },
                ]
            ),
            encoding="utf-8",
        )
        acted = run("device", "act", "--store", store, str(script))
        assert acted.exit_code == 0, acted.output
        assert "3 mutations waiting" in acted.output
        synced = run("device", "sync", "--store", store)
        assert synced.exit_code == 0, synced.output
        assert "applied" in synced.output
        status = run("device", "status", "--store", store)
        assert "pending: 0" in status.output and "done: 3" in status.output
        bad = tmp_path / "bad.json"
        bad.write_text("{not json", encoding="utf-8")
        assert run("device", "act", "--store", store, str(bad)).exit_code == 1
