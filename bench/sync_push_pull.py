"""Benchmark: devices pushing visits to fieldsync under gunicorn on PostgreSQL, then pulling.

    .venv/bin/python -m bench.sync_push_pull [--devices 4] [--records 20000] [--batch 500]

It starts a throwaway PostGIS cluster (or uses ``FIELDSYNC_TEST_POSTGRES_ADMIN_URL``), loads the
demo county, runs ``gunicorn 'server:create_app()'`` on a loopback port, and has N simulated
devices (processes with their own keep-alive connections) push batches of visits over HTTP
(each device's visits a minute apart, as a day or two offline fills an outbox), then N
county-level devices pull everything. Each device's batches are built and encoded
before the clock starts, as a phone fills its outbox offline, so the figures time the server
rather than the load generator; answers are decoded (orjson) inside the timing.

As the baseline, measured in the same run on the same database (best of three runs each): a
raw psycopg ``executemany`` of the same rows into a copy of the ``visit`` table (same columns
and indexes), and a raw ``SELECT`` of the pushed visits. It prints records/s and the ratios,
where the CPU time of each phase went (server workers, database, devices), the errors seen
(there must be none) and the peak memory (VmHWM) of the gunicorn workers after a push of the
largest allowed batch.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
RAW_TABLE = "bench_raw_visit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: when a device's first queued visit was made; the next ones follow a minute apart (5,000
#: visits are three and a half days offline), so the plausibility check's speed between
#: consecutive visits is worked out as it is for real outboxes
FIRST_VISIT = datetime(2026, 11, 22, 8, 0, tzinfo=timezone(timedelta(hours=8)))


def visit(i: int, lon: float, lat: float) -> dict:
    return {
        "target_kind": "place",
        "location": {"type": "Point", "coordinates": [lon + (i % 100) * 1e-4, lat]},
        "accuracy_m": 5.0 + i % 20,
        "visited_at": (FIRST_VISIT + timedelta(minutes=i)).isoformat(),
        "findings": f"巡查记录 {i}: 排污口正常, 无异味",
    }


class HttpDevice:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.seq = 0
        self.batch = 0
        self.errors: list[str] = []

    def call(self, method: str, path: str, body: dict | bytes | None = None) -> dict:
        payload = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            self.errors.append(f"{response.status} {data[:200]!r}")
            return {}
        return orjson.loads(data)

    def push_visits(self, count: int, lon: float, lat: float) -> int:
        body = self.push_body(count, lon, lat)
        return self.send_push(body, count)

    def push_body(self, count: int, lon: float, lat: float) -> bytes:
        """The next batch of ``count`` new visits, encoded (what a phone has queued)."""
        mutations = []
        for _ in range(count):
            self.seq += 1
            mutations.append(
                {
                    "id": str(uuid.uuid4()),
                    "seq": self.seq,
                    "entity": "visit",
                    "record_id": str(uuid.uuid4()),
                    "op": "create",
                    "fields": visit(self.seq, lon, lat),
                }
            )
        self.batch += 1
        return orjson.dumps(
            {
                "batch_seq": self.batch,
                "schema_version": 1,
                "sent_at": datetime.now(UTC).isoformat(),
                "mutations": mutations,
            }
        )

    def send_push(self, body: bytes, count: int) -> int:
        answer = self.call("POST", "/api/v1/sync/push", body)
        applied = sum(1 for r in answer.get("results", []) if r["outcome"] == "applied")
        if applied != count:
            self.errors.append(f"batch {answer.get('batch_seq')}: {applied}/{count} applied")
        return applied

    def pull_all(self, limit: int) -> int:
        cursor, total = "", 0
        while True:
            page = self.call("GET", f"/api/v1/sync/pull?limit={limit}&cursor={cursor}")
            if not page:
                return total
            total += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return total


#: per device, its queued batches, encoded before the clock starts (see ``main``)
QUEUED: list[list[bytes]] = []


def _push_job(port, token, index, size):
    """One device sending its queued batches (in its own process, as a phone would).

    The batches were built and encoded before the clock started, as a phone builds its
    outbox while offline: the benchmark times the server, not the load generator."""
    device = HttpDevice(port, token)
    applied = sum(device.send_push(body, size) for body in QUEUED[index])
    return applied, device.errors


def _pull_job(port, token):
    device = HttpDevice(port, token)
    return device.pull_all(1000), device.errors


def run_devices(pool, function, jobs) -> tuple[float, list]:
    """Run one job per device in separate processes (so the devices' own JSON work does not
    share one interpreter lock); returns the wall time from start to the last answer."""
    start = time.perf_counter()
    futures = [pool.submit(function, *job) for job in jobs]
    results = [future.result() for future in futures]
    return time.perf_counter() - start, results


def prepare(url: str, devices: int) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Demo county, and device tokens: pushing inspectors/staff and county-level pullers."""
    from server import create_app
    from server.extensions import db
    from server.migrate import upgrade
    from server.services.accounts import find_user, register_device
    from server.services.demo import load_demo

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.gettempdir()})
    pushers, pullers = [], []
    with app.app_context():
        upgrade(db.engine)
        load_demo(cases=False)
        names = [
            "qs_inspector",
            "bh_inspector",
            "zl_inspector",
            "qs_inspector2",
            "qs_staff",
            "bh_staff",
            "zl_staff",
        ]
        anchor = {"qs": (119.87, 31.70), "bh": (120.02, 31.69), "zl": (120.12, 31.80)}
        for i in range(devices):
            name = names[i % len(names)]
            _device, token = register_device(find_user(name), f"bench pusher {i}")
            lon, lat = anchor[name[:2]]
            pushers.append((token, lon, lat))
            _device, token = register_device(find_user("leader"), f"bench puller {i}")
            pullers.append(token)
        db.session.commit()
        db.engine.dispose()
    return pushers, pullers


def raw_baseline(url: str, records: int) -> tuple[float, float]:
    """Rows/s of a raw executemany and a raw select of the same visit rows, same database;
    the best of three runs each, so that a noisy moment cannot flatter the ratios.

    The insert goes into a copy of the real ``visit`` table (same columns and indexes, the
    spatial ones included); the select reads the visits the devices pushed.
    """
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    rows = []
    for i in range(records):
        v = visit(i, 119.87, 31.70)
        lon, lat = v["location"]["coordinates"]
        rows.append(
            (
                str(uuid.uuid4()),
                1,
                10**9 + i,
                1,
                "place",
                f"SRID=4326;POINT({lon} {lat})",
                v["accuracy_m"],
                v["visited_at"],
                v["findings"],
                "[]",
                datetime.now(UTC),
            )
        )
    insert_rate = select_rate = 0.0
    with psycopg.connect(dsn) as conn:
        for _run in range(3):
            conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
            conn.execute(
                f"CREATE TABLE {RAW_TABLE} (LIKE visit INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {RAW_TABLE} (uid, version, sync_seq, station_id, target_kind,"
                    " location, accuracy_m, visited_at, findings, photos, received_at) VALUES"
                    " (%s, %s, %s, %s, %s, ST_GeomFromEWKT(%s), %s, %s, %s, %s, %s)",
                    rows,
                )
            conn.commit()
            insert_rate = max(insert_rate, records / (time.perf_counter() - start))
        for _run in range(3):
            start = time.perf_counter()
            fetched = conn.execute(
                "SELECT uid, version, sync_seq, station_id, inspector_id, target_kind,"
                " target_ref, ST_AsBinary(location), accuracy_m, visited_at, findings, photos,"
                " mock_location FROM visit ORDER BY sync_seq"
            ).fetchall()
            select_rate = max(select_rate, len(fetched) / (time.perf_counter() - start))
        conn.execute(f"DROP TABLE {RAW_TABLE}")
        conn.commit()
    return insert_rate, select_rate


def _children(parent_pid: int) -> list[Path]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PPid:\t{parent_pid}\n" in (entry / "status").read_text():
                    found.append(entry)
            except OSError:
                continue
    return found


def cpu_seconds(parent_pid: int | None, exclude: int | None = None) -> float:
    """User + system CPU seconds used so far by the children of ``parent_pid``."""
    if parent_pid is None:
        return 0.0
    ticks = 0
    for entry in _children(parent_pid):
        if entry.name == str(exclude):
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _postmaster_pid(server) -> int | None:
    datadir = getattr(server, "_datadir", None)
    try:
        return int((Path(datadir) / "postmaster.pid").read_text().split()[0])
    except (TypeError, OSError, ValueError, IndexError):
        return None  # an outside cluster: its CPU is not ours to read


class CpuUsage:
    """CPU seconds of the server workers, the database backends and the devices, per phase."""

    def __init__(self, gunicorn_pid: int, postmaster_pid: int | None):
        self.pids = (gunicorn_pid, postmaster_pid)
        self.last = self._now()

    def _now(self) -> tuple[float, float, float]:
        gunicorn_pid, postmaster_pid = self.pids
        return (
            cpu_seconds(gunicorn_pid),
            cpu_seconds(postmaster_pid),
            cpu_seconds(os.getpid(), exclude=gunicorn_pid),
        )

    def lap(self) -> tuple[float, float, float]:
        now = self._now()
        spent = tuple(b - a for a, b in zip(self.last, now, strict=True))
        self.last = now
        return spent


def worker_peak_kib(master_pid: int) -> int:
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{master_pid}\n" not in status:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--records", type=int, default=20_000, help="visits pushed in all")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.support.postgis import ThrowawayPostgis

    with ThrowawayPostgis() as server:
        url = server.create_database("fieldsync_sync_bench")
        pushers, pullers = prepare(url, args.devices)
        port = _free_port()
        env = dict(
            os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=tempfile.gettempdir()
        )
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "server:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(300):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.1)
            devices = [HttpDevice(port, token) for token, _lon, _lat in pushers]
            for device, (_t, lon, lat) in zip(devices, pushers, strict=True):
                device.push_visits(10, lon, lat)  # warm up every worker's connections
            per_device = args.records // args.devices
            batches = max(1, per_device // args.batch)

            pushed = batches * args.batch * args.devices
            QUEUED[:] = [
                [device.push_body(args.batch, lon, lat) for _ in range(batches)]
                for device, (_t, lon, lat) in zip(devices, pushers, strict=True)
            ]
            context = multiprocessing.get_context("fork")  # the devices inherit QUEUED
            with ProcessPoolExecutor(max_workers=args.devices, mp_context=context) as pool:
                list(pool.map(abs, range(args.devices)))  # start the processes beforehand
                usage = CpuUsage(gunicorn.pid, _postmaster_pid(server))
                push_time, push_results = run_devices(
                    pool,
                    _push_job,
                    [(port, token, i, args.batch) for i, (token, _x, _y) in enumerate(pushers)],
                )
                push_cpu = usage.lap()
                pull_time, pull_results = run_devices(
                    pool, _pull_job, [(port, token) for token in pullers]
                )
                pull_cpu = usage.lap()
            pulled = sum(count for count, _errors in pull_results)
            errors = [e for _a, errs in push_results for e in errs]
            errors += [e for _c, errs in pull_results for e in errs]
            big = devices[0]  # its seq and batch numbers already count the queued batches
            big.push_visits(1000, pushers[0][1], pushers[0][2])
            peak = worker_peak_kib(gunicorn.pid)
            errors += [e for d in devices for e in d.errors]
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=60)
        raw_insert, raw_select = raw_baseline(url, pushed)
    push_rate, pull_rate = pushed / push_time, pulled / pull_time
    print(
        f"fieldsync sync benchmark: {args.devices} devices, batches of {args.batch}, "
        f"gunicorn -w {args.workers}, PostgreSQL/PostGIS, 2 cores"
    )
    print(f"push  {pushed:>7,} visits in {push_time:6.2f} s = {push_rate:>8,.0f} records/s")
    print(
        f"pull  {pulled:>7,} records in {pull_time:6.2f} s = {pull_rate:>8,.0f} records/s "
        f"({len(pullers)} county-level devices, pages of 1000)"
    )
    print(f"raw executemany of the same rows        = {raw_insert:>8,.0f} rows/s")
    print(f"raw select of the same rows             = {raw_select:>8,.0f} rows/s")
    print(f"push / raw executemany = {push_rate / raw_insert:6.1%}   (target >= 25%)")
    print(f"pull / raw select      = {pull_rate / raw_select:6.1%}   (target >= 40%)")
    for phase, (workers, database, devices) in (("push", push_cpu), ("pull", pull_cpu)):
        print(
            f"CPU seconds in {phase}: server workers {workers:5.2f}, database {database:5.2f},"
            f" devices {devices:5.2f}"
        )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"peak memory of a gunicorn worker after a 1000-record push: {peak / 1024:,.0f} MiB")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
