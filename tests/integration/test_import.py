"""Registry import through the command line, as the bureau's IT person runs it."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from bureau.credit_code import make_credit_code
from server.cli import main
from server.models import Enterprise, Person, Project, Station
from tests.integration.helpers import count, use_app_env

HEADER = "credit_code,name,address,lon,lat,industry,pollutants,is_key,contact_name,contact_phone\n"


def _code(n: int) -> str:
    return make_credit_code("320481", f"MA1T{n:05d}")


def _row(n: int, lon: float = 119.95, lat: float = 31.75, code: str | None = None) -> str:
    return (
        f"{code or _code(n)},测试企业{n}有限公司,测试路{n}号,{lon},{lat},chemical,"
        f"waste_gas;waste_water,{'true' if n % 2 else 'false'},张{n},0519-8888{n:04d}\n"
    )


def _invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _enterprises(app) -> dict[str, tuple]:
    from server.extensions import db

    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Enterprise.credit_code,
                Enterprise.version,
                Enterprise.updated_at,
                Enterprise.station_id,
            )
        ).all()
    return {code: (version, updated, station) for code, version, updated, station in rows}


def test_valid_rows_applied_bad_rows_reported_by_line(demo_app, monkeypatch, tmp_path):
    use_app_env(monkeypatch, demo_app)
    before = count(demo_app, Enterprise)
    bad_code = _code(3)[:-1] + ("0" if _code(3)[-1] != "0" else "1")
    csv = tmp_path / "enterprises.csv"
    csv.write_text(
        HEADER
        + _row(1)
        + _row(2)
        + _row(3, code=bad_code)
        + _row(4, lon=200)
        + _row(5, lon=31.75, lat=119.95)
        + _row(6)
        + _row(1),
        encoding="utf-8",
    )
    result = _invoke("import", "enterprises", str(csv))
    assert result.exit_code == 1
    assert "3 inserted" in result.stdout and "4 rejected" in result.stdout
    assert "line 4" in result.stderr and "credit_code" in result.stderr
    assert "line 5" in result.stderr and "line 6" in result.stderr
    assert "line 8" in result.stderr and "duplicate" in result.stderr
    assert count(demo_app, Enterprise) == before + 3
    imported = _enterprises(demo_app)
    assert all(imported[_code(n)][2] is not None for n in (1, 2, 6)), "routed to a station"


def test_all_or_nothing_applies_nothing(demo_app, monkeypatch, tmp_path):
    use_app_env(monkeypatch, demo_app)
    before = count(demo_app, Enterprise)
    csv = tmp_path / "enterprises.csv"
    csv.write_text(
        HEADER + "".join(_row(n) for n in range(1, 600)) + _row(600, lon=0, lat=0), encoding="utf-8"
    )
    result = _invoke("import", "enterprises", str(csv), "--all-or-nothing")
    assert result.exit_code == 1
    assert "nothing applied" in result.stdout
    assert "line 601" in result.stderr
    assert count(demo_app, Enterprise) == before


def test_reimporting_the_same_file_changes_nothing(demo_app, monkeypatch, tmp_path):
    use_app_env(monkeypatch, demo_app)
    csv = tmp_path / "enterprises.csv"
    csv.write_text(HEADER + "".join(_row(n) for n in range(1, 21)), encoding="utf-8")
    first = _invoke("import", "enterprises", str(csv))
    assert first.exit_code == 0, first.output
    assert "20 inserted" in first.stdout
    snapshot = _enterprises(demo_app)
    second = _invoke("import", "enterprises", str(csv))
    assert second.exit_code == 0
    assert "0 inserted, 0 updated, 20 unchanged" in second.stdout
    assert _enterprises(demo_app) == snapshot

    changed = tmp_path / "changed.csv"
    changed.write_text(HEADER + _row(1, lon=119.96), encoding="utf-8")
    third = _invoke("import", "enterprises", str(changed))
    assert "1 updated" in third.stdout
    assert _enterprises(demo_app)[_code(1)][0] == snapshot[_code(1)][0] + 1


def test_unreadable_files_are_refused_whole(demo_app, monkeypatch, tmp_path):
    use_app_env(monkeypatch, demo_app)
    before = count(demo_app, Enterprise)
    missing = tmp_path / "missing-columns.csv"
    missing.write_text("credit_code,name\n" + f"{_code(1)},x\n", encoding="utf-8")
    result = _invoke("import", "enterprises", str(missing))
    assert result.exit_code == 1
    assert "address" in result.output and "lon" in result.output
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + _row(1)).encode("gbk"))
    result = _invoke("import", "enterprises", str(gbk))
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    assert count(demo_app, Enterprise) == before


def test_demo_files_round_trip_through_import(app, monkeypatch, tmp_path, demo_county):
    """Every kind imports from the demo's own files into an empty database, in both formats."""
    from demo.county import write_demo_files

    use_app_env(monkeypatch, app)
    folder = tmp_path / "demo"
    folder.mkdir()
    write_demo_files(demo_county, folder)
    files = sorted(folder.iterdir())
    order = ["stations", "enterprises", "projects", "people"]
    for kind in order:
        path = next(p for p in files if p.stem == kind)
        result = _invoke("import", kind, str(path))
        assert result.exit_code == 0, result.output
    assert count(app, Station) == len(demo_county.stations)
    assert count(app, Enterprise) == len(demo_county.enterprises)
    assert count(app, Project) == len(demo_county.projects)
    assert count(app, Person) == len(demo_county.people)
