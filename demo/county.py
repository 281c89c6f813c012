"""A deterministic synthetic county (演示县) for demos, tests and benchmarks.

Real registry data holds people's names and phone numbers and cannot be shipped; a demo needs
data that *looks* like a county's nonetheless, so that maps, link rules and lists behave as they
would in the field. :func:`build_demo_county` makes one from a seed: three township stations
tiling a rectangle of about 42 x 31 km, 520 enterprises clustered in industrial parks plus
scattered workshops and farms, ten construction projects and a must-visit roster, plus one
account per role and a device per field account.

The same seed always gives the same county, to the byte, in any process (no set iteration, no
hashing of strings, coordinates rounded to 1e-6 degree), so tests and screenshots are stable.
Every record passes the :mod:`bureau.registry` validators, and :func:`write_demo_files` writes
it in exactly the formats :mod:`bureau.importing` reads.

All names, codes, phone numbers, passwords and device tokens here are invented. The passwords
and tokens are derived from the seed and therefore public: tests and benchmarks use them, while
``fieldsync demo`` replaces them with random ones per install (:mod:`server.services.demo`).
They must never protect real data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

from bureau.credit_code import ALPHABET, make_credit_code
from bureau.registry import EnterpriseRecord, PersonRecord, ProjectRecord, StationRecord
from gis.geometry import BBox, to_geojson

__all__ = [
    "COUNTY_BOUNDS",
    "DEFAULT_SEED",
    "DIVISION_CODE",
    "DemoCounty",
    "DemoDevice",
    "DemoUser",
    "build_demo_county",
    "make_enterprise_csv",
    "write_demo_files",
]

DEFAULT_SEED = 12369
"""The default seed: the environmental complaint hotline's number."""
DIVISION_CODE = "320481"
"""Administrative division code used in the demo enterprises' credit codes."""
COUNTY_BOUNDS = BBox(119.80, 31.60, 120.25, 31.88)
"""The demo county's rectangle (about 42 km east-west, 31 km north-south)."""

AS_OF = date(2026, 11, 1)
"""The day the demo county's project statuses are true on (fixed, for determinism)."""
ENTERPRISE_COUNT = 520
PEOPLE_PER_STATION = {
    "deputy": 6,
    "conduct_supervisor": 4,
    "enterprise_head": 6,
    "repeat_complainant": 4,
    "project_neighbour": 5,
}
"""Must-visit people per station, by category (25 in all)."""

_DECIMALS = 6
"""Coordinates are rounded to 1e-6 degree (about 10 cm), well within any GPS error."""
ENTERPRISE_CSV_COLUMNS = (
    "credit_code",
    "name",
    "address",
    "industry",
    "pollutants",
    "is_key",
    "contact_name",
    "contact_phone",
    "lon",
    "lat",
)
PEOPLE_CSV_COLUMNS = (
    "ref",
    "name",
    "category",
    "phone",
    "address",
    "lon",
    "lat",
    "station_code",
)


@dataclass(frozen=True)
class DemoUser:
    """A demo account. ``password`` is derived from the seed: demo instances only."""

    username: str
    full_name: str
    role: str
    station_code: str | None
    password: str


@dataclass(frozen=True)
class DemoDevice:
    """A demo field device bound to a user. ``token`` is derived from the seed: demo only."""

    name: str
    username: str
    token: str


@dataclass
class DemoCounty:
    """Everything a demo instance needs, in the order it should be loaded."""

    seed: int
    service_area: BBox
    stations: list[StationRecord] = field(default_factory=list)
    enterprises: list[EnterpriseRecord] = field(default_factory=list)
    projects: list[ProjectRecord] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)
    devices: list[DemoDevice] = field(default_factory=list)


# --------------------------------------------------------------------------- word lists

_TOWNS = (
    ("320481101", "青山镇", "qs"),
    ("320481102", "白湖镇", "bh"),
    ("320481103", "竹林镇", "zl"),
)
_BRANDS: tuple[str, ...] = tuple(
    (
        "宏达 永兴 恒信 华丰 金源 瑞祥 鑫盛 天成 正大 新锐 东方 润泽 博远 "
        "嘉禾 振华 广源 聚力 安泰 德隆 盛世 汇通 隆昌 合力 远航 海天 中科 "
        "建业 富民 长青 锦程 信达 百川 万佳 明辉 通达 兴业 天润 宝丰 凯越 "
        "华瑞"
    ).split()
)
_INDUSTRY_WORDS = {
    "chemical": ("化工", "精细化工", "化学品"),
    "electroplating": ("电镀", "表面处理"),
    "printing_dyeing": ("印染", "纺织印染"),
    "cement": ("水泥", "水泥制品"),
    "livestock": ("生态养殖场", "畜禽养殖场", "生猪养殖场"),
    "food_processing": ("食品", "农产品加工"),
    "metal_surface": ("金属制品", "五金制品", "喷涂"),
    "papermaking": ("纸业", "包装纸品"),
    "pharmaceutical": ("制药", "生物医药"),
    "catering": ("餐馆", "饭店", "农家乐"),
    "construction_materials": ("新型建材", "混凝土", "石材"),
    "waste_treatment": ("环保科技", "再生资源"),
}
_COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
_POLLUTANTS = {
    "chemical": ("waste_gas", "waste_water", "hazardous_waste", "odour"),
    "electroplating": ("waste_water", "hazardous_waste", "waste_gas"),
    "printing_dyeing": ("waste_water", "odour", "waste_gas"),
    "cement": ("dust", "noise", "waste_gas"),
    "livestock": ("odour", "waste_water", "solid_waste"),
    "food_processing": ("waste_water", "odour", "noise"),
    "metal_surface": ("waste_gas", "noise", "hazardous_waste"),
    "papermaking": ("waste_water", "odour", "solid_waste"),
    "pharmaceutical": ("waste_water", "waste_gas", "odour", "hazardous_waste"),
    "catering": ("waste_gas", "noise", "odour"),
    "construction_materials": ("dust", "noise"),
    "waste_treatment": ("odour", "solid_waste", "hazardous_waste", "waste_gas"),
}
_KEY_CHANCE = {
    "chemical": 0.30,
    "electroplating": 0.35,
    "pharmaceutical": 0.30,
    "waste_treatment": 0.30,
    "printing_dyeing": 0.20,
    "papermaking": 0.20,
    "cement": 0.15,
}
_SCATTERED_INDUSTRIES = (
    ("livestock", 5),
    ("catering", 5),
    ("construction_materials", 3),
    ("food_processing", 3),
    ("metal_surface", 2),
    ("cement", 1),
)


@dataclass(frozen=True)
class _Park:
    name: str
    town: int
    lon: float
    lat: float
    industries: tuple[tuple[str, int], ...]


_PARKS = (
    _Park(
        "青山工业集中区",
        0,
        119.870,
        31.740,
        (("metal_surface", 4), ("electroplating", 3), ("construction_materials", 2), ("cement", 1)),
    ),
    _Park(
        "白湖化工园区",
        1,
        120.020,
        31.690,
        (("chemical", 5), ("pharmaceutical", 3), ("printing_dyeing", 2)),
    ),
    _Park("白湖食品产业园", 1, 120.040, 31.820, (("food_processing", 4), ("papermaking", 2))),
    _Park(
        "竹林循环经济产业园",
        2,
        120.180,
        31.760,
        (("waste_treatment", 3), ("papermaking", 2), ("printing_dyeing", 2)),
    ),
)
_PARK_SHARE = 0.6
_ROADS: tuple[str, ...] = tuple(
    ("创业大道 工业大道 经一路 经三路 纬二路 纬五路 园区路 环园东路 兴业路 科技路").split()
)
_VILLAGES: tuple[str, ...] = tuple(
    (
        "东岗 西塘 南渚 北庄 梅园 杨庄 河口 石桥 沙涨 前马 后周 新桥 庙前 "
        "塘马 上兴 下宋 团山 芦家 古渎 湖滨"
    ).split()
)
_SURNAMES: tuple[str, ...] = tuple(
    ("王 李 张 刘 陈 杨 黄 赵 周 吴 徐 孙 朱 马 胡 郭 林 何 高 史 狄 蒋 沈 汤").split()
)
_GIVEN: tuple[str, ...] = tuple(
    (
        "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 建国 国强 "
        "志刚 海燕 文华 春梅 立新 晓东 玉兰 桂英 红霞 德明 永康"
    ).split()
)
_PROJECTS = (
    # (name pattern, town, polygon?, status)
    ("{brand}新材料年产5万吨项目", 1, True, "under_construction"),
    ("{town}污水处理厂提标改造工程", 0, True, "completed"),
    ("白湖化工园区集中供热项目", 1, True, "approved"),
    ("{town}垃圾中转站建设项目", 2, False, "under_construction"),
    ("{town}110千伏变电站新建工程", 0, False, "approved"),
    ("{town}规模化生猪养殖场项目", 2, True, "suspended"),
    ("{brand}汽车零部件生产线项目", 0, True, "under_construction"),
    ("{town}商品混凝土搅拌站项目", 2, False, "completed"),
    ("{brand}医药中间体项目", 1, True, "approved"),
    ("{town}农贸市场改造项目", 0, False, "under_construction"),
)
_COUNTY_USERS = (
    ("admin", "系统管理员", "admin"),
    ("leader", "王建国", "leader"),
    ("officer", "李敏", "officer"),
    ("intake", "张静", "intake"),
    ("auditor", "赵立新", "auditor"),
)


# --------------------------------------------------------------------------- public API


def build_demo_county(seed: int = DEFAULT_SEED) -> DemoCounty:
    """The demo county for ``seed``: same seed, same county, byte for byte."""
    rng = random.Random(seed)
    stations = _stations(rng)
    towns = _Towns(stations)
    enterprises = list(_enterprises(rng, towns, ENTERPRISE_COUNT))
    projects = _projects(rng, towns)
    people = _people(rng, towns, enterprises, projects)
    users, devices = _accounts(seed, stations)
    return DemoCounty(
        seed=seed,
        service_area=COUNTY_BOUNDS,
        stations=stations,
        enterprises=enterprises,
        projects=projects,
        people=people,
        users=users,
        devices=devices,
    )


def write_demo_files(county: DemoCounty, folder: str | Path) -> dict[str, Path]:
    """Write the county's registry as import files; returns ``{kind: path}``.

    ``stations.geojson``, ``enterprises.csv``, ``projects.geojson`` and ``people.csv``, in the
    formats :func:`bureau.importing.read_rows` reads. CSV files carry a UTF-8 byte-order mark so
    that Excel on Chinese Windows shows the Chinese text instead of mojibake.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "stations": folder / "stations.geojson",
        "enterprises": folder / "enterprises.csv",
        "projects": folder / "projects.geojson",
        "people": folder / "people.csv",
    }
    _write_geojson(
        paths["stations"],
        ({"code": s.code, "name": s.name} for s in county.stations),
        (s.area for s in county.stations),
    )
    _write_enterprise_csv(paths["enterprises"], county.enterprises)
    _write_geojson(
        paths["projects"],
        (
            {
                "approval_number": p.approval_number,
                "name": p.name,
                "status": p.status,
                "approved_on": _iso(p.approved_on),
                "starts_on": _iso(p.starts_on),
                "ends_on": _iso(p.ends_on),
                "developer": p.developer,
            }
            for p in county.projects
        ),
        (p.footprint for p in county.projects),
    )
    with _open_csv(paths["people"]) as writer:
        writer.writerow(PEOPLE_CSV_COLUMNS)
        for person in county.people:
            lon, lat = _lonlat_cells(person.location)
            writer.writerow(
                (
                    person.ref,
                    person.name,
                    person.category,
                    person.phone or "",
                    person.address or "",
                    lon,
                    lat,
                    person.station_code or "",
                )
            )
    return paths


def make_enterprise_csv(path: str | Path, n: int, seed: int = DEFAULT_SEED) -> Path:
    """Write ``n`` valid, distinct enterprises inside the demo county to a CSV (for benchmarks)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(f"enterprise-csv:{seed}:{n}")
    towns = _Towns(_stations(random.Random(seed)))
    path = Path(path)
    _write_enterprise_csv(path, _enterprises(rng, towns, n))
    return path


@dataclass(frozen=True)
class ComplaintSeed:
    """A complaint of a generated workload: what, where, when (UTC)."""

    category: str
    lon: float
    lat: float
    received_at: datetime


#: complaint categories of a generated workload, weighted as a county's hotline sees them
_WORKLOAD_CATEGORIES = (
    ("odour", 6),
    ("waste_gas", 5),
    ("noise", 6),
    ("dust", 4),
    ("waste_water", 4),
    ("solid_waste", 2),
    ("hazardous_waste", 1),
    ("other", 1),
)


def spatial_workload(
    seed: int, enterprises: int, complaints: int
) -> tuple[list[EnterpriseRecord], list[ComplaintSeed]]:
    """Enterprises and complaints inside the demo county, for spatial tests and benchmarks.

    Most complaints come from near an enterprise (within about 2 km), some from anywhere in
    the county, and one in ten repeats an earlier complaint's category within 200 m a few days
    later, so that links, duplicates and rebounds all occur. Same arguments, same data.
    """
    rng = random.Random(f"spatial-workload:{seed}:{enterprises}:{complaints}")
    towns = _Towns(_stations(random.Random(seed)))
    firms = list(_enterprises(rng, towns, enterprises))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[ComplaintSeed] = []
    for index in range(complaints):
        at = start + timedelta(minutes=index * 90 + rng.randint(0, 60))
        roll = rng.random()
        if out and roll < 0.1:
            earlier = out[rng.randrange(max(0, len(out) - 50), len(out))]
            lon = earlier.lon + rng.uniform(-0.0015, 0.0015)
            lat = earlier.lat + rng.uniform(-0.0012, 0.0012)
            category = earlier.category
        else:
            category = _weighted(rng, _WORKLOAD_CATEGORIES)
            if firms and roll < 0.8:
                near = firms[rng.randrange(len(firms))].location
                lon = near.x + rng.uniform(-0.02, 0.02)
                lat = near.y + rng.uniform(-0.015, 0.015)
            else:
                point, _town = towns.random_point(rng)
                lon, lat = point.x, point.y
        out.append(ComplaintSeed(category, round(lon, _DECIMALS), round(lat, _DECIMALS), at))
    return firms, out


# --------------------------------------------------------------------------- stations


def _stations(rng: random.Random) -> list[StationRecord]:
    """Three townships side by side, split by two jagged north-south borders.

    Both borders share their vertices with both neighbours, so the three areas tile the county
    rectangle exactly: no gaps, no overlaps.
    """
    west, south, east, north = COUNTY_BOUNDS.as_tuple()
    steps = 8
    lats = [round(south + (north - south) * i / steps, _DECIMALS) for i in range(steps + 1)]

    def border(base: float) -> list[tuple[float, float]]:
        return [(round(base + rng.uniform(-0.018, 0.018), _DECIMALS), lat) for lat in lats]

    first, second = border(119.950), border(120.100)
    rings = (
        [(west, south), *first, (west, north)],
        [*first, *reversed(second)],
        [*second, (east, north), (east, south)],
    )
    return [
        StationRecord(code=code, name=f"{town}环境管理站", area=MultiPolygon([Polygon(ring)]))
        for ring, (code, town, _) in zip(rings, _TOWNS, strict=True)
    ]


class _Towns:
    """The stations with prepared areas, for fast 'which township is this point in'."""

    def __init__(self, stations: list[StationRecord]) -> None:
        self.stations = stations
        self.names = [town for _, town, _ in _TOWNS]
        self._prepared: list[PreparedGeometry] = [prep(s.area) for s in stations]

    def town_of(self, point: Point) -> int | None:
        for index, area in enumerate(self._prepared):
            if area.contains(point):
                return index
        return None

    def contains(self, town: int, geometry: Point | Polygon) -> bool:
        return self._prepared[town].contains(geometry)

    def random_point(self, rng: random.Random, town: int | None = None) -> tuple[Point, int]:
        """A uniformly random point in ``town`` (or anywhere in the county)."""
        west, south, east, north = COUNTY_BOUNDS.as_tuple()
        while True:
            point = _point(rng.uniform(west, east), rng.uniform(south, north))
            found = self.town_of(point)
            if found is not None and (town is None or found == town):
                return point, found

    def point_near(
        self, rng: random.Random, lon: float, lat: float, sigma: float, town: int
    ) -> Point:
        """A point scattered around (lon, lat) that still lies in ``town``."""
        for _ in range(1000):
            point = _point(rng.gauss(lon, sigma), rng.gauss(lat, sigma * 0.85))
            if self.contains(town, point):
                return point
        return self.random_point(rng, town)[0]  # pragma: no cover - centre outside town


# --------------------------------------------------------------------------- enterprises


def _enterprises(rng: random.Random, towns: _Towns, count: int) -> Iterator[EnterpriseRecord]:
    codes: dict[str, None] = {}
    names: dict[str, None] = {}
    for _ in range(count):
        if rng.random() < _PARK_SHARE:
            park = _PARKS[rng.randrange(len(_PARKS))]
            town = park.town
            point = towns.point_near(rng, park.lon, park.lat, 0.006, town)
            industry = _weighted(rng, park.industries)
            address = f"{towns.names[town]}{park.name}{rng.choice(_ROADS)}{rng.randint(1, 299)}号"
            village = park.name
        else:
            point, town = towns.random_point(rng)
            industry = _weighted(rng, _SCATTERED_INDUSTRIES)
            village = rng.choice(_VILLAGES)
            address = f"{towns.names[town]}{village}村{rng.randint(1, 12)}组"
        code = _unique(codes, lambda industry=industry: _credit_code(rng, industry))
        name = _unique(
            names,
            lambda industry=industry, town=town, village=village: _enterprise_name(
                rng, industry, towns.names[town], village
            ),
            20,
        )
        typical = _POLLUTANTS[industry]
        pollutants = typical[:2] + tuple(p for p in typical[2:] if rng.random() < 0.5)
        has_contact = rng.random() < 0.85
        yield EnterpriseRecord(
            credit_code=code,
            name=name,
            address=address,
            location=point,
            industry=industry,
            pollutants=pollutants,
            is_key=rng.random() < _KEY_CHANCE.get(industry, 0.02),
            contact_name=_person_name(rng) if has_contact else None,
            contact_phone=_phone(rng) if has_contact else None,
        )


def _credit_code(rng: random.Random, industry: str) -> str:
    # Sole proprietors (个体工商户, category 2) run most restaurants and small farms.
    category = "2" if industry in ("catering", "livestock") and rng.random() < 0.6 else "1"
    body = "MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
    return make_credit_code(DIVISION_CODE, body, registration="9", category=category)


def _enterprise_name(rng: random.Random, industry: str, town: str, village: str) -> str:
    word = rng.choice(_INDUSTRY_WORDS[industry])
    if industry == "catering":
        return f"{town}{rng.choice(_SURNAMES)}记{word}"
    if industry == "livestock":
        return f"{town}{village}{word}"
    prefix = rng.choice(("溧阳市", "溧阳", "江苏"))
    return f"{prefix}{rng.choice(_BRANDS)}{word}{rng.choice(_COMPANY_FORMS)}"


# --------------------------------------------------------------------------- projects


def _projects(rng: random.Random, towns: _Towns) -> list[ProjectRecord]:
    projects: list[ProjectRecord] = []
    numbers: dict[str, None] = {}
    for pattern, town, is_polygon, status in _PROJECTS:
        name = pattern.format(brand=rng.choice(_BRANDS), town=towns.names[town])
        footprint: Point | Polygon = (
            _footprint(rng, towns, town) if is_polygon else towns.random_point(rng, town)[0]
        )
        approved_on, starts_on, ends_on = _project_dates(rng, status)
        number = _unique(
            numbers, lambda year=approved_on.year: f"溧环审〔{year}〕{rng.randint(1, 99)}号"
        )
        developer = f"溧阳{rng.choice(_BRANDS)}{rng.choice(('实业', '投资', '建设'))}有限公司"
        projects.append(
            ProjectRecord(
                approval_number=number,
                name=name,
                footprint=footprint,
                status=status,
                approved_on=approved_on,
                starts_on=starts_on,
                ends_on=ends_on,
                developer=developer,
            )
        )
    return projects


def _project_dates(rng: random.Random, status: str) -> tuple[date, date | None, date | None]:
    """Approval, start and end dates that agree with ``status`` as of :data:`AS_OF`."""
    if status == "completed":
        approved_on = AS_OF - timedelta(days=rng.randint(700, 900))
    elif status == "approved":
        approved_on = AS_OF - timedelta(days=rng.randint(20, 200))
    else:
        approved_on = AS_OF - timedelta(days=rng.randint(250, 500))
    starts_on = approved_on + timedelta(days=rng.randint(20, 120))
    if status == "completed":
        ends_on = starts_on + timedelta(days=rng.randint(180, (AS_OF - starts_on).days - 10))
    else:
        ends_on = max(starts_on, AS_OF) + timedelta(days=rng.randint(90, 540))
    if status == "approved" and starts_on <= AS_OF:
        return approved_on, None, None  # approved, construction not yet scheduled
    return approved_on, starts_on, ends_on


def _footprint(rng: random.Random, towns: _Towns, town: int) -> Polygon:
    """A rotated rectangle of a few hundred metres, wholly inside ``town``."""
    while True:
        centre, _ = towns.random_point(rng, town)
        half_w = rng.uniform(0.0015, 0.004)
        half_h = rng.uniform(0.0012, 0.003)
        rect = box(centre.x - half_w, centre.y - half_h, centre.x + half_w, centre.y + half_h)
        rotated = affinity.rotate(rect, rng.uniform(-40, 40), origin="centroid")
        polygon = Polygon([_round_xy(x, y) for x, y in rotated.exterior.coords])
        if polygon.is_valid and towns.contains(town, polygon):
            return polygon


# --------------------------------------------------------------------------- people


def _people(
    rng: random.Random,
    towns: _Towns,
    enterprises: Sequence[EnterpriseRecord],
    projects: Sequence[ProjectRecord],
) -> list[PersonRecord]:
    people: list[PersonRecord] = []
    for town, station in enumerate(towns.stations):
        local = [e for e in enterprises if towns.town_of(e.location) == town]
        heads = [e for e in local if e.is_key] or local
        local_projects = [p for p in projects if towns.town_of(p.footprint.centroid) == town]
        for category, count in PEOPLE_PER_STATION.items():
            for i in range(count):
                ref = f"P-{len(people) + 1:04d}"
                name = _person_name(rng)
                location: Point | None
                if category == "enterprise_head":
                    enterprise = heads[(i * 7) % len(heads)]
                    name = enterprise.contact_name or name
                    address: str | None = enterprise.address
                    location = enterprise.location
                elif category == "project_neighbour" and local_projects:
                    centre = local_projects[i % len(local_projects)].footprint.centroid
                    location = towns.point_near(rng, centre.x, centre.y, 0.004, town)
                    address = _village_address(rng, towns.names[town])
                elif category == "repeat_complainant" and local:
                    near = local[rng.randrange(len(local))].location
                    location = towns.point_near(rng, near.x, near.y, 0.003, town)
                    address = _village_address(rng, towns.names[town])
                else:
                    location = towns.random_point(rng, town)[0]
                    address = _village_address(rng, towns.names[town])
                if category in ("deputy", "conduct_supervisor") and rng.random() < 0.3:
                    location = None  # visited at their workplace; no fixed position on file
                people.append(
                    PersonRecord(
                        ref=ref,
                        name=name,
                        category=category,
                        phone=_phone(rng, mobile_only=True),
                        address=address,
                        location=location,
                        station_code=station.code,
                    )
                )
    return people


def _village_address(rng: random.Random, town: str) -> str:
    return f"{town}{rng.choice(_VILLAGES)}村{rng.randint(1, 12)}组{rng.randint(1, 60)}号"


# --------------------------------------------------------------------------- accounts


def _accounts(
    seed: int, stations: Sequence[StationRecord]
) -> tuple[list[DemoUser], list[DemoDevice]]:
    users = [
        DemoUser(username, full_name, role, None, _password(seed, username))
        for username, full_name, role in _COUNTY_USERS
    ]
    field_users: list[DemoUser] = []
    for index, (station, (_, town, short)) in enumerate(zip(stations, _TOWNS, strict=True)):
        accounts = [(f"{short}_inspector", f"{town}巡查员", "inspector")]
        if index == 0:
            accounts.append((f"{short}_inspector2", f"{town}巡查员二", "inspector"))
        accounts.append((f"{short}_staff", f"{town}环境管理站工作人员", "station_staff"))
        for username, full_name, role in accounts:
            user = DemoUser(username, full_name, role, station.code, _password(seed, username))
            field_users.append(user)
    users.extend(field_users)
    devices = [
        DemoDevice(
            name=f"{user.full_name}的手机",
            username=user.username,
            token="demo-" + _secret(seed, "device", user.username, 40),
        )
        for user in field_users
    ]
    return users, devices


def _password(seed: int, username: str) -> str:
    """A seed-derived demo password; the ``demo-`` prefix says what it is."""
    return "demo-" + _secret(seed, "password", username, 10)


def _secret(seed: int, purpose: str, username: str, length: int) -> str:
    """A seed-derived hex string. Public by construction: demo instances only."""
    digest = hashlib.sha256(f"fieldsync-demo:{seed}:{purpose}:{username}".encode()).hexdigest()
    return digest[:length]


# --------------------------------------------------------------------------- writing files


def _write_enterprise_csv(path: Path, enterprises: Iterable[EnterpriseRecord]) -> None:
    with _open_csv(path) as writer:
        writer.writerow(ENTERPRISE_CSV_COLUMNS)
        for e in enterprises:
            lon, lat = _lonlat_cells(e.location)
            writer.writerow(
                (
                    e.credit_code,
                    e.name,
                    e.address,
                    e.industry,
                    ";".join(e.pollutants),
                    "true" if e.is_key else "false",
                    e.contact_name or "",
                    e.contact_phone or "",
                    lon,
                    lat,
                )
            )


@contextmanager
def _open_csv(path: Path) -> Iterator[Any]:
    """A csv writer on ``path``: UTF-8 with BOM, ``\\n`` line ends, stable bytes."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        yield csv.writer(handle, lineterminator="\n")


def _write_geojson(
    path: Path, properties: Iterable[Mapping[str, object]], geometries: Iterable[BaseGeometry]
) -> None:
    """A FeatureCollection with one feature per line: readable, diffable, deterministic."""
    features = [
        json.dumps(
            {"type": "Feature", "properties": props, "geometry": to_geojson(geom)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for props, geom in zip(properties, geometries, strict=True)
    ]
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write('{"type":"FeatureCollection","datum":"wgs84","features":[\n')
        handle.write(",\n".join(features))
        handle.write("\n]}\n")


def _lonlat_cells(point: Point | None) -> tuple[str, str]:
    if point is None:
        return "", ""
    return f"{point.x:.{_DECIMALS}f}", f"{point.y:.{_DECIMALS}f}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --------------------------------------------------------------------------- small helpers


def _round_xy(x: float, y: float) -> tuple[float, float]:
    return round(x, _DECIMALS), round(y, _DECIMALS)


def _point(x: float, y: float) -> Point:
    return Point(*_round_xy(x, y))


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _unique(seen: dict[str, None], make: Callable[[], str], attempts: int = 1000) -> str:
    """Call ``make`` until it gives a value not in ``seen`` (dict: ordered, hash-seed free)."""
    value = make()
    for _ in range(attempts):
        if value not in seen:
            break
        value = make()
    seen[value] = None
    return value


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random, *, mobile_only: bool = False) -> str:
    if not mobile_only and rng.random() < 0.25:
        return f"0519-8{rng.randint(0, 9999999):07d}"  # Changzhou-area landline
    return f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
