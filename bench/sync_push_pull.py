"""Benchmark: phones pushing realistic visits to fieldsync under gunicorn on PostgreSQL at its
default durability, then pulling; with raw baselines measured in the same run.

    .venv/bin/python -m bench.sync_push_pull [--single 10000] [--multi 20000] [--small 2500]
        [--levels 20000,200000] [--cpu-records 5000] [--cpu-small 1000] [--workers 4] [--quick]

What it measures is what users meet (issue 12):

- PostgreSQL/PostGIS in a throwaway cluster at PostgreSQL's default durability: ``fsync``,
  ``synchronous_commit`` and ``full_page_writes`` on (printed as the server reports them), on
  the machine's own disk; the app under ``gunicorn -w 4`` on a loopback port.
- Visits of about 1 KB as a phone queues them: 50–300 characters of Chinese notes and nested
  findings (a JSON text: checks with readings), an accuracy (a few poor ones), 70 % aimed at
  a real enterprise of the device's station (``target_kind`` ``enterprise``, ``target_ref`` a
  credit code of the demo registry in that station), the rest at places; times random over
  25 days per inspector, so they arrive out of order; locations spread over the station's
  area, so the plausibility flags fall as they fall (their counts are printed).
- Scenarios: batches of 500 from one device, batches of 500 from four devices at once (four
  inspectors of three stations, each a process with its own keep-alive connection), batches
  of 25 from one device. A device builds its queued mutations beforehand (its outbox) and
  encodes each request body (orjson) inside the timed loop, as a phone does when it sends;
  answers are decoded and every outcome checked (anything but ``applied`` is an error).
- Baselines, same run, same cluster: a raw psycopg ``executemany`` and a raw ``COPY`` of the
  rows of the one-device batch-500 scenario into a copy of the ``visit`` table (same columns
  and indexes), one transaction each, best of three; and a raw ``SELECT`` for the pull.
- Server CPU per record (the gunicorn workers' user + system CPU time over the records
  pushed) for a fixed push workload, measured with 20,000 and with 200,000 visits stored
  (preloaded by ``COPY`` between the two, spread over the same inspectors and 25 days): the
  push's cost must not grow with the data.

It prints every condition with the figures. The targets (issue 12): push 500 × 1 at least
30 % of the raw executemany, 25 × 1 at least 10 %, CPU per record at 200,000 stored visits at
most 1.2 times that at 20,000. It is not a test: the machine is shared, so run it a few times
and read ranges. ``--quick`` runs small sizes (about 30 s); the defaults take about a minute
or two.

Last runs (4, on the 2-core development machine shared with other work, load 0.03–3.1;
PostgreSQL 15 at fsync/synchronous_commit/full_page_writes on; 1,168 bytes per mutation;
94 % of the visits flagged): push 500 × 1 3,600–5,100 records/s (9.7–14.5 % of executemany,
which ran at 18,300–52,000 rows/s), 500 × 4 2,900–6,100 records/s, 25 × 1 450–1,350
records/s (2.3–4.5 %), so the throughput targets are not met; server CPU per record at
200,000 stored visits 0.83–1.00 times that at 20,000 (met). Where a push's time goes: about
0.1 ms of worker CPU and 0.07–0.09 ms of database CPU per record in batches of 500; in
batches of 25, some fifteen database round trips and the commit of each request.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
RAW_TABLE = "bench_raw_visit"
CHINA = timezone(timedelta(hours=8))
#: the inspectors whose phones push (four inspectors of three stations)
PUSHERS = ("qs_inspector", "bh_inspector", "zl_inspector", "qs_inspector2")
SPAN = timedelta(days=25)

_PHRASES = (
    "现场检查企业排污口", "未发现异常排放", "污水处理设施正常运行", "在线监测设备数据正常",
    "厂区内有轻微异味", "已要求企业加强管理", "危险废物贮存间标识齐全", "台账记录基本完整",
    "周边居民反映夜间噪声扰民", "已责令限期整改", "雨污分流不彻底", "废气收集效率偏低",
    "活性炭更换记录缺失", "堆场未完全覆盖", "扬尘控制措施落实到位", "企业负责人在场配合检查",
    "拍照取证并告知整改要求", "下次巡查时复核整改情况", "河道水质目测清澈", "排水口附近有泡沫",
)  # fmt: skip
_CHECKS = ("排污口", "在线监测", "危废贮存", "废气治理", "噪声", "扬尘", "台账", "雨污分流")
_RESULTS = ("正常", "基本正常", "存在问题", "需整改", "未检查")


@dataclass(frozen=True)
class Inspector:
    """A pushing phone's user: who, which station, where it may go, what it may visit."""

    user_id: int
    station_id: int
    area: object  # shapely (Multi)Polygon
    credit_codes: tuple[str, ...]

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A point spread uniformly over the station's area."""
        from shapely.geometry import Point

        min_x, min_y, max_x, max_y = self.area.bounds
        while True:
            lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            if self.area.contains(Point(lon, lat)):
                return round(lon, 6), round(lat, 6)


def notes(rng: random.Random) -> str:
    """50–300 characters of inspection notes."""
    size = rng.randint(50, 300)
    text = ""
    while len(text) < size:
        text += rng.choice(_PHRASES) + rng.choice("，。；")
    return text[:size]


def visit_fields(rng: random.Random, who: Inspector, start: datetime) -> dict:
    lon, lat = who.point(rng)
    at = start + timedelta(seconds=rng.uniform(0, SPAN.total_seconds()))
    checks = [
        {
            "item": item,
            "result": rng.choice(_RESULTS),
            "readings": {"ph": round(rng.uniform(6, 9), 1), "cod_mg_l": rng.randint(5, 120)},
        }
        for item in rng.sample(_CHECKS, rng.randint(1, 3))
    ]
    findings = orjson.dumps({"notes": notes(rng), "checks": checks}).decode()
    enterprise = rng.random() < 0.7 and who.credit_codes
    poor = rng.random() < 0.05
    return {
        "target_kind": "enterprise" if enterprise else "place",
        "target_ref": rng.choice(who.credit_codes) if enterprise else None,
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": round(rng.uniform(120, 400) if poor else rng.uniform(3, 30), 1),
        "visited_at": at.astimezone(CHINA).isoformat(timespec="seconds"),
        "findings": findings,
        "mock_location": False,
    }


class HttpDevice:
    """A phone: its token, its numbering of mutations and batches, its keep-alive connection."""

    def __init__(self, port: int, token: str, who: Inspector | None = None, seed: int = 0):
        self.port = port
        self.token = token
        self.who = who
        self.rng = random.Random(seed)
        self.seq = 0
        self.batch = 0
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def outbox(self, count: int, size: int, start: datetime) -> list[tuple[int, list[dict]]]:
        """``count`` new visits queued offline, as batches of ``size`` (numbered now)."""
        batches = []
        for first in range(0, count, size):
            mutations = []
            for _ in range(min(size, count - first)):
                self.seq += 1
                fields = visit_fields(self.rng, self.who, start)
                mutations.append(
                    {
                        "id": str(uuid.uuid4()),
                        "seq": self.seq,
                        "entity": "visit",
                        "record_id": str(uuid.uuid4()),
                        "op": "create",
                        "base_version": None,
                        "captured_at": fields["visited_at"],
                        "fields": fields,
                    }
                )
            self.batch += 1
            batches.append((self.batch, mutations))
        return batches

    def call(self, method: str, path: str, body: bytes | None, errors: list[str]) -> dict:
        if self.conn is None:
            self.connect()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            errors.append(f"{response.status} {data[:200]!r}")
            return {}
        return orjson.loads(data)

    def send(
        self, batches: list[tuple[int, list[dict]]], errors: list[str]
    ) -> tuple[int, int, list[float]]:
        """Push the queued batches one after another, encoding each body as it goes out;
        returns (records applied, request bytes, each push's seconds)."""
        applied = sent = 0
        seconds = []
        for batch_seq, mutations in batches:
            began = time.perf_counter()
            body = orjson.dumps(
                {
                    "batch_seq": batch_seq,
                    "schema_version": 1,
                    "sent_at": datetime.now(UTC).isoformat(),
                    "mutations": mutations,
                }
            )
            sent += len(body)
            answer = self.call("POST", "/api/v1/sync/push", body, errors)
            outcomes = [r["outcome"] for r in answer.get("results", ())]
            done = outcomes.count("applied")
            seconds.append(time.perf_counter() - began)
            applied += done
            if done != len(mutations):
                others = sorted({o for o in outcomes if o != "applied"})
                errors.append(f"batch {batch_seq}: {done}/{len(mutations)} applied {others}")
        return applied, sent, seconds

    def pull_all(self, limit: int, errors: list[str]) -> int:
        cursor, total = "", 0
        while True:
            path = f"/api/v1/sync/pull?limit={limit}&cursor={cursor}"
            page = self.call("GET", path, None, errors)
            if not page:
                return total
            total += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return total


#: per device, its queued batches (set before the device processes fork; see run_push)
QUEUED: list[list[tuple[int, list[dict]]]] = []
DEVICES: list[HttpDevice] = []


def _push_job(index: int) -> tuple[int, int, list[float], list[str]]:
    device = DEVICES[index]
    device.connect()  # its own connection, in its own process
    errors: list[str] = []
    applied, sent, seconds = device.send(QUEUED[index], errors)
    return applied, sent, seconds, errors


def _pull_job(port: int, token: str) -> tuple[int, list[str]]:
    errors: list[str] = []
    return HttpDevice(port, token).pull_all(1000, errors), errors


# -- CPU accounting ------------------------------------------------------------------------


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
    """CPU seconds of the gunicorn workers, the database backends and the devices, per lap."""

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


# -- the database: demo county, devices, preloading, baselines -------------------------------


def prepare(url: str, pullers: int):
    """Demo county, the pushing inspectors (station, area, enterprises) with a device token
    each, and county-level pulling devices."""
    import sqlalchemy as sa
    from geoalchemy2.shape import to_shape

    from server import create_app
    from server.extensions import db
    from server.migrate import upgrade
    from server.models import Enterprise, Station
    from server.services.accounts import find_user, register_device
    from server.services.demo import load_demo

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.gettempdir()})
    pushers, pull_tokens = [], []
    with app.app_context():
        upgrade(db.engine)
        load_demo(cases=False)
        for i, name in enumerate(PUSHERS):
            user = find_user(name)
            station = db.session.get(Station, user.station_id)
            codes = db.session.execute(
                sa.select(Enterprise.credit_code)
                .where(Enterprise.station_id == station.id)
                .order_by(Enterprise.credit_code)
            ).scalars()
            who = Inspector(user.id, station.id, to_shape(station.area), tuple(codes))
            _device, token = register_device(user, f"bench phone {i}")
            pushers.append((who, token))
        for i in range(pullers):
            _device, token = register_device(find_user("leader"), f"bench puller {i}")
            pull_tokens.append(token)
        db.session.commit()
        db.engine.dispose()
    return pushers, pull_tokens


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def server_settings(url: str) -> dict[str, str]:
    import psycopg

    names = (
        "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level",
        "shared_buffers", "max_wal_size", "checkpoint_timeout",
    )  # fmt: skip
    with psycopg.connect(_dsn(url)) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


COLUMNS = (
    "uid", "version", "sync_seq", "origin_device_id", "station_id", "inspector_id",
    "target_kind", "target_ref", "location", "accuracy_m", "visited_at", "findings", "photos",
    "mock_location", "received_at",
)  # fmt: skip


def visit_row(fields: dict, uid: str, seq: int, who: Inspector, now: datetime) -> tuple:
    lon, lat = fields["location"]["coordinates"]
    return (
        uid, 1, seq, None, who.station_id, who.user_id, fields["target_kind"],
        fields["target_ref"], f"SRID=4326;POINT({lon} {lat})", fields["accuracy_m"],
        datetime.fromisoformat(fields["visited_at"]), fields["findings"], "[]",
        fields["mock_location"], now,
    )  # fmt: skip


def stored_visits(url: str) -> int:
    import psycopg

    with psycopg.connect(_dsn(url)) as conn:
        return conn.execute("SELECT count(*) FROM visit").fetchone()[0]


def preload(url: str, pushers, target: int, start: datetime, seed: int) -> tuple[int, float]:
    """Fill ``visit`` up to ``target`` rows with COPY (the pushing inspectors' visits, spread
    as theirs are, with sync sequence values taken from the counter); returns how many were
    added and the seconds it took."""
    import psycopg

    missing = target - stored_visits(url)
    if missing <= 0:
        return 0, 0.0
    began = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(_dsn(url)) as conn:
        last = conn.execute(
            "UPDATE sync_counter SET value = value + %s WHERE name = 'sync_seq' RETURNING value",
            (missing,),
        ).fetchone()[0]
        first = last - missing + 1
        columns = ", ".join(COLUMNS)
        with conn.cursor() as cur, cur.copy(f"COPY visit ({columns}) FROM STDIN") as copy:
            for i in range(missing):
                who = pushers[i % len(pushers)][0]
                fields = visit_fields(rng, who, start)
                copy.write_row(visit_row(fields, str(uuid.uuid4()), first + i, who, now))
        conn.commit()
        conn.execute("ANALYZE visit")
        conn.commit()
    return missing, time.perf_counter() - began


def raw_baselines(url: str, rows: list[tuple]) -> tuple[float, float, float]:
    """Rows/s of a raw executemany and a raw COPY of ``rows`` into a copy of ``visit`` (same
    columns and indexes), one transaction each, and of a raw select of the stored visits;
    the best of three runs each, so that a noisy moment cannot flatter the ratios."""
    import psycopg

    columns = ", ".join(COLUMNS)
    marks = ", ".join("ST_GeomFromEWKT(%s)" if c == "location" else "%s" for c in COLUMNS)
    executemany = copy_rate = select_rate = 0.0
    with psycopg.connect(_dsn(url)) as conn:

        def fresh_table():
            conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
            conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE visit INCLUDING ALL)")
            conn.commit()

        for _run in range(3):
            fresh_table()
            began = time.perf_counter()
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {RAW_TABLE} ({columns}) VALUES ({marks})", rows)
            conn.commit()
            executemany = max(executemany, len(rows) / (time.perf_counter() - began))
        for _run in range(3):
            fresh_table()
            began = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY {RAW_TABLE} ({columns}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            conn.commit()
            copy_rate = max(copy_rate, len(rows) / (time.perf_counter() - began))
        conn.execute(f"DROP TABLE {RAW_TABLE}")
        conn.commit()
        for _run in range(3):
            began = time.perf_counter()
            fetched = conn.execute(
                "SELECT uid, version, sync_seq, station_id, inspector_id, target_kind,"
                " target_ref, ST_AsBinary(location), accuracy_m, visited_at, findings, photos,"
                " mock_location FROM visit ORDER BY sync_seq"
            ).fetchall()
            select_rate = max(select_rate, len(fetched) / (time.perf_counter() - began))
    return executemany, copy_rate, select_rate


def flag_counts(url: str, since_visit_id: int) -> tuple[int, int, dict[str, int]]:
    """Visits pushed after ``since_visit_id``, how many of them are flagged, flags by code."""
    import psycopg

    with psycopg.connect(_dsn(url)) as conn:
        visits = conn.execute(
            "SELECT count(*) FROM visit WHERE id > %s", (since_visit_id,)
        ).fetchone()[0]
        flagged = conn.execute(
            "SELECT count(DISTINCT visit_id) FROM visit_flag WHERE visit_id > %s",
            (since_visit_id,),
        ).fetchone()[0]
        codes = dict(
            conn.execute(
                "SELECT code, count(*) FROM visit_flag WHERE visit_id > %s GROUP BY code"
                " ORDER BY count(*) DESC",
                (since_visit_id,),
            ).fetchall()
        )
    return visits, flagged, codes


def max_visit_id(url: str) -> int:
    import psycopg

    with psycopg.connect(_dsn(url)) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM visit").fetchone()[0]


# -- running --------------------------------------------------------------------------------


@dataclass
class Pushed:
    records: int
    seconds: float
    body_bytes: int
    cpu: tuple[float, float, float]  # workers, database, devices
    errors: list[str]
    latencies: list[float]

    @property
    def median_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[len(ordered) // 2] * 1000 if ordered else 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def per_record_ms(self, part: int = 0) -> float:
        return self.cpu[part] / self.records * 1000


def run_push(usage: CpuUsage, plan: dict[int, tuple[int, int]], start: datetime) -> Pushed:
    """Each device in ``plan`` (index → (records, batch size)) sends its outbox, all at once.

    The outboxes are built here, before the clock starts (the parent's devices keep the
    numbering); fresh device processes inherit them (fork) and are started before the clock
    too; each encodes its bodies as it sends them."""
    QUEUED[:] = [[] for _ in DEVICES]
    for index, (records, size) in plan.items():
        QUEUED[index] = DEVICES[index].outbox(records, size, start)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(plan), mp_context=context) as pool:
        list(pool.map(abs, range(len(plan))))
        usage.lap()
        began = time.perf_counter()
        futures = [pool.submit(_push_job, index) for index in plan]
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - began
        cpu = usage.lap()
    records = sum(applied for applied, _sent, _seconds, _errors in results)
    sent = sum(sent for _applied, sent, _seconds, _errors in results)
    errors = [e for _a, _s, _t, errs in results for e in errs]
    latencies = [t for _a, _s, times, _e in results for t in times]
    return Pushed(records, seconds, sent, cpu, errors, latencies)


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = dict(
        os.environ, FIELDSYNC_DATABASE_URL=url, FIELDSYNC_INSTANCE_PATH=tempfile.gettempdir()
    )
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(workers),
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
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return gunicorn, port


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=10_000, help="records, 500 x 1 device")
    parser.add_argument("--multi", type=int, default=20_000, help="records, 500 x 4 devices")
    parser.add_argument("--small", type=int, default=2_500, help="records, 25 x 1 device")
    parser.add_argument(
        "--levels", default="20000,200000", help="stored visits at which CPU/record is measured"
    )
    parser.add_argument(
        "--cpu-records", type=int, default=5_000, help="the fixed workload per level, 500 x 1"
    )
    parser.add_argument(
        "--cpu-small", type=int, default=1_000, help="the fixed workload per level, 25 x 1"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--pullers", type=int, default=4, help="county-level pulling devices")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="small sizes, to try it out")
    args = parser.parse_args(argv)
    if args.quick:
        args.single, args.multi, args.small = 2_000, 4_000, 500
        args.levels, args.cpu_records, args.cpu_small = "5000,20000", 1_000, 250
    levels = [int(level) for level in args.levels.split(",")]
    sys.path.insert(0, str(ROOT))
    from tests.support.postgis import ThrowawayPostgis

    began = time.perf_counter()
    load_before = os.getloadavg()
    # the visits' days: the 25 days before yesterday (none in the future, none flagged so)
    start = datetime.now(UTC).replace(microsecond=0) - SPAN - timedelta(days=1)
    with ThrowawayPostgis(admin_url="", durable=True) as server:
        url = server.create_database("fieldsync_sync_bench")
        settings = server_settings(url)
        pushers, pull_tokens = prepare(url, args.pullers)
        gunicorn, port = start_gunicorn(url, args.workers)
        usage = CpuUsage(gunicorn.pid, _postmaster_pid(server))
        DEVICES[:] = [
            HttpDevice(port, token, who, seed=args.seed * 100 + i)
            for i, (who, token) in enumerate(pushers)
        ]
        levels_cpu: dict[int, tuple[Pushed, Pushed]] = {}
        preloads: list[tuple[int, float]] = []
        try:
            # warm every worker (imports, statement caches, connections): small pushes by all
            for _ in range(3):
                warm = run_push(usage, {i: (100, 25) for i in range(len(DEVICES))}, start)
                if warm.errors:
                    raise SystemExit(f"warm-up failed: {warm.errors[:3]}")

            def measure_level(level: int) -> None:
                preloads.append(preload(url, pushers, level, start, args.seed + level))
                big = run_push(usage, {0: (args.cpu_records, 500)}, start)
                small = run_push(usage, {0: (args.cpu_small, 25)}, start)
                levels_cpu[level] = (big, small)

            measure_level(levels[0])
            first_id = max_visit_id(url)
            single = run_push(usage, {0: (args.single, 500)}, start)
            per_device = args.multi // len(DEVICES)
            multi = run_push(usage, {i: (per_device, 500) for i in range(len(DEVICES))}, start)
            small = run_push(usage, {0: (args.small, 25)}, start)
            pushed_visits, flagged, codes = flag_counts(url, first_id)
            # the one-device batch-500 scenario's rows, for the raw baselines
            now = datetime.now(UTC)
            raw_rows = []
            rng = random.Random(args.seed)
            for i in range(args.single):
                who = pushers[0][0]
                raw_rows.append(visit_row(visit_fields(rng, who, start), str(uuid.uuid4()),
                                          10**9 + i, who, now))  # fmt: skip
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=args.pullers, mp_context=context) as pool:
                list(pool.map(abs, range(args.pullers)))
                usage.lap()
                t0 = time.perf_counter()
                futures = [pool.submit(_pull_job, port, token) for token in pull_tokens]
                pull_results = [f.result() for f in futures]
                pull_time = time.perf_counter() - t0
                pull_cpu = usage.lap()
            for level in levels[1:]:
                measure_level(level)
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=60)
        raw_insert, raw_copy, raw_select = raw_baselines(url, raw_rows)
    pulled = sum(count for count, _errors in pull_results)
    errors = single.errors + multi.errors + small.errors
    errors += [e for big, sm in levels_cpu.values() for e in big.errors + sm.errors]
    errors += [e for _c, errs in pull_results for e in errs]

    def ratio(rate: float) -> str:
        return f"{rate / raw_insert:6.1%} of executemany, {rate / raw_copy:6.1%} of COPY"

    print("fieldsync sync benchmark (bench/sync_push_pull.py)")
    print(
        f"conditions: PostgreSQL {settings['server_version']} throwaway cluster on local disk, "
        f"fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}, "
        f"full_page_writes={settings['full_page_writes']}, wal_level={settings['wal_level']}, "
        f"shared_buffers={settings['shared_buffers']}; gunicorn -w {args.workers}; "
        f"{os.cpu_count()} cores, load average before {load_before[0]:.2f}"
    )
    print(
        f"workload: visits of {single.body_bytes / single.records:,.0f} bytes per mutation "
        "on the wire (50-300 Chinese characters of notes, nested findings, accuracy), 70 % "
        "aimed at an enterprise of the device's station, times random over 25 days per "
        "inspector, places random over the station's area; bodies encoded (orjson) in the "
        "timed loop"
    )
    print(
        f"flags on the {pushed_visits:,} visits of the three scenarios: {flagged:,} flagged "
        f"({flagged / max(pushed_visits, 1):.0%}); "
        + ", ".join(f"{code} {count:,}" for code, count in codes.items())
    )
    stored_at = levels[0] + args.cpu_records + args.cpu_small
    print(f"scenarios (with {stored_at:,} to {stored_at + pushed_visits:,} visits stored):")
    for label, run in (
        ("push 500 x 1 device ", single),
        (f"push 500 x {len(DEVICES)} devices", multi),
        ("push  25 x 1 device ", small),
    ):
        print(
            f"  {label} {run.records:>7,} visits in {run.seconds:6.2f} s = "
            f"{run.rate:>7,.0f} records/s = {ratio(run.rate)}; a push answered in "
            f"{run.median_ms:.0f} ms (median); CPU ms/record: workers "
            f"{run.per_record_ms(0):.3f}, database {run.per_record_ms(1):.3f}, devices "
            f"{run.per_record_ms(2):.3f}"
        )
    print(
        f"raw baselines (same cluster, same rows as 500 x 1, into a copy of visit, one "
        f"transaction, best of 3): executemany {raw_insert:,.0f} rows/s, COPY {raw_copy:,.0f} "
        "rows/s"
    )
    print(
        f"targets: 500 x 1 >= 30 % of executemany: {single.rate / raw_insert:.1%} "
        f"[{'met' if single.rate / raw_insert >= 0.30 else 'MISSED'}]; 25 x 1 >= 10 %: "
        f"{small.rate / raw_insert:.1%} [{'met' if small.rate / raw_insert >= 0.10 else 'MISSED'}]"
    )
    print(
        f"pull  {pulled:>8,} records in {pull_time:6.2f} s = {pulled / pull_time:>8,.0f} "
        f"records/s ({len(pull_tokens)} county-level devices, pages of 1000) = "
        f"{pulled / pull_time / raw_select:.1%} of a raw select ({raw_select:,.0f} rows/s); "
        f"CPU s: workers {pull_cpu[0]:.2f}, database {pull_cpu[1]:.2f}"
    )
    print("server CPU per record pushed (gunicorn workers' user+system CPU / records):")
    for level in levels:
        big, sm = levels_cpu[level]
        print(
            f"  {level:>7,} visits stored: 500 x 1 ({big.records:,} visits) "
            f"{big.per_record_ms():.3f} ms (database {big.per_record_ms(1):.3f}, "
            f"{big.rate:,.0f} records/s); 25 x 1 ({sm.records:,}) {sm.per_record_ms():.3f} ms "
            f"(database {sm.per_record_ms(1):.3f}, {sm.rate:,.0f} records/s)"
        )
    if len(levels) > 1:
        low, high = levels_cpu[levels[0]], levels_cpu[levels[-1]]
        growth = high[0].per_record_ms() / low[0].per_record_ms()
        growth_small = high[1].per_record_ms() / low[1].per_record_ms()
        print(
            f"  ratio {levels[-1]:,} / {levels[0]:,}: 500 x 1 {growth:.2f}x, 25 x 1 "
            f"{growth_small:.2f}x (target <= 1.2x: "
            f"{'met' if max(growth, growth_small) <= 1.2 else 'MISSED'})"
        )
    for (added, seconds), level in zip(preloads, levels, strict=True):
        if added:
            print(f"  (preloaded {added:,} visits by COPY up to {level:,} in {seconds:.1f} s)")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"ran in {time.perf_counter() - began:.0f} s")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
