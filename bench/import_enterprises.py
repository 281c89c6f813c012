"""Benchmark: importing enterprises from CSV on SpatiaLite and PostgreSQL/PostGIS.

    .venv/bin/python -m bench.import_enterprises [--rows 10000] [--backend sqlite|postgresql|both]

For each backend it imports a generated CSV of valid enterprises inside the demo county through
the real import path (parse → validate → route to a station → idempotent upsert), imports the
same file again (nothing changes), and, as the baseline measured in the same run, inserts the
same rows with one raw DB-API ``executemany`` into a bare table of the same shape. It prints
rows per second for each and the ratio of the import to the baseline. PostgreSQL is a throwaway
cluster (as in the tests) unless ``FIELDSYNC_TEST_POSTGRES_ADMIN_URL`` names a server.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from bureau.importing import read_rows
from demo.county import build_demo_county, make_enterprise_csv
from gis.geometry import to_ewkt

RAW_TABLE = "bench_raw_enterprise"


def _app(url: str, instance: Path):
    from server import create_app
    from server.extensions import db
    from server.migrate import upgrade
    from server.services.registry import write_records

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade(db.engine)
        write_records("stations", build_demo_county().stations)
        db.session.commit()
    return app


def _timed_import(app, csv_path: Path) -> tuple[float, object]:
    from server.services.importer import run_import

    with app.app_context():
        start = time.perf_counter()
        report = run_import("enterprises", csv_path)
        return time.perf_counter() - start, report


def _raw_rows(csv_path: Path) -> list[tuple]:
    rows = []
    for result in read_rows(csv_path, "enterprises"):
        r = result.record
        rows.append(
            (
                r.credit_code,
                r.name,
                r.address,
                to_ewkt(r.location),
                r.industry,
                ";".join(r.pollutants),
                r.is_key,
                r.contact_name,
                r.contact_phone,
            )
        )
    return rows


def _raw_executemany(app, rows: list[tuple]) -> float:
    """The baseline: one DB-API executemany of pre-validated rows, no ORM, no checks."""
    from server.extensions import db

    with app.app_context():
        engine = db.engine
        sqlite = engine.dialect.name == "sqlite"
        geom = "GeomFromEWKT(?)" if sqlite else "ST_GeomFromEWKT(%s)"
        mark = "?" if sqlite else "%s"
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RAW_TABLE}")
            serial = "INTEGER PRIMARY KEY" if sqlite else "SERIAL PRIMARY KEY"
            connection.exec_driver_sql(
                f"CREATE TABLE {RAW_TABLE} (id {serial}, credit_code VARCHAR(18) "
                "UNIQUE NOT NULL, name TEXT, address TEXT, industry TEXT, pollutants TEXT, "
                "is_key BOOLEAN, contact_name TEXT, contact_phone TEXT)"
            )
            if sqlite:
                connection.exec_driver_sql(
                    f"SELECT AddGeometryColumn('{RAW_TABLE}', 'location', 4326, 'POINT', 'XY')"
                )
                connection.exec_driver_sql(f"SELECT CreateSpatialIndex('{RAW_TABLE}', 'location')")
            else:
                connection.exec_driver_sql(
                    f"ALTER TABLE {RAW_TABLE} ADD COLUMN location geometry(POINT, 4326)"
                )
                connection.exec_driver_sql(f"CREATE INDEX ON {RAW_TABLE} USING gist (location)")
        sql = (
            f"INSERT INTO {RAW_TABLE} (credit_code, name, address, location, industry, pollutants,"
            f" is_key, contact_name, contact_phone) VALUES ({mark}, {mark}, {mark}, {geom}, "
            f"{mark}, {mark}, {mark}, {mark}, {mark})"
        )
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            start = time.perf_counter()
            cursor.executemany(sql, rows)
            raw.commit()
            elapsed = time.perf_counter() - start
        finally:
            raw.close()
        return elapsed


def parse_only(csv_path: Path) -> float:
    """Reading and validating the file without a database: the import's floor."""
    start = time.perf_counter()
    for _row in read_rows(csv_path, "enterprises"):
        pass
    return time.perf_counter() - start


def bench_backend(name: str, url: str, csv_path: Path, workdir: Path, rows: int) -> None:
    app = _app(url, workdir)
    first, report = _timed_import(app, csv_path)
    assert report.counts.inserted == rows and not report.rejections, report.summary()
    second, again = _timed_import(app, csv_path)
    assert again.counts.unchanged == rows, again.summary()
    baseline = _raw_executemany(app, _raw_rows(csv_path))
    print(f"{name:<11} import        {rows / first:>9,.0f} rows/s  ({first:6.2f} s for {rows:,})")
    print(f"{name:<11} re-import     {rows / second:>9,.0f} rows/s  ({second:6.2f} s, 0 changes)")
    print(
        f"{name:<11} raw baseline  {rows / baseline:>9,.0f} rows/s  ({baseline:6.2f} s, "
        "one DB-API executemany)"
    )
    print(f"{name:<11} import / raw  {baseline / first:9.1%}")
    from server.extensions import db

    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fieldsync-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "enterprises.csv"
        make_enterprise_csv(csv_path, args.rows, seed=7)
        print(
            f"fieldsync import benchmark: {args.rows:,} enterprises from CSV "
            f"({csv_path.stat().st_size / 1e6:.1f} MB)"
        )
        parsed = parse_only(csv_path)
        rate = args.rows / parsed
        print(f"{'no database':<11} parse+check   {rate:>9,.0f} rows/s  ({parsed:6.2f} s)")
        if args.backend in ("sqlite", "both"):
            bench_backend(
                "SpatiaLite", f"sqlite:///{workdir / 'bench.db'}", csv_path, workdir, args.rows
            )
        if args.backend in ("postgresql", "both"):
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.support.postgis import ThrowawayPostgis

            with ThrowawayPostgis() as server:
                url = server.create_database("fieldsync_bench")
                bench_backend("PostGIS", url, csv_path, workdir, args.rows)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
