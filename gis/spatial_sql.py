"""Spatial SQL expressions that compile to the right thing on PostGIS and on SpatiaLite.

Each helper returns a SQLAlchemy expression whose SQL is chosen per dialect with
``@compiles`` (see ``research/stack-spike.md`` §2), so repositories write one query for both
databases.  The rules behind the choices:

- Metres on the ellipsoid on both: PostGIS ``geography`` (spheroid by default) and SpatiaLite
  ``PtDistWithin(a, b, r, 1)`` / ``ST_Distance(a, b, 1)`` return identical results; without
  the ``1`` SpatiaLite measures on the sphere.
- SpatiaLite uses an R*Tree only when the SQL asks for it, so :func:`intersects_bbox` adds a
  ``rowid IN (SELECT rowid FROM SpatialIndex ...)`` pre-filter.
- SpatiaLite predicates return -1 (which SQLite treats as *true*) when an argument is NULL
  or invalid, so on SQLite they are wrapped in ``NULLIF(..., -1)``: NULL then behaves as it
  does on PostGIS (neither the predicate nor its negation matches).  SQLAlchemy itself adds
  ``= 1`` / ``= 0`` around Boolean expressions in WHERE on SQLite, which has no boolean type.
- Python numbers become bound parameters (typed Float), never text pasted into SQL.

Any other dialect raises :class:`sqlalchemy.exc.CompileError` rather than emitting SQL that
silently means something else.
"""

from __future__ import annotations

import math
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Float, String, bindparam, func
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Alias, TableClause

from gis.bbox import BBox
from gis.coordinates import WGS84_SRID
from gis.errors import MALFORMED_WKT, GeometryError
from gis.wkt import from_wkt

__all__ = [
    "contains_point",
    "distance_m",
    "dwithin_m",
    "geom_from_ewkt",
    "intersects_bbox",
    "local_distance_m",
    "local_distance_xy_m",
    "local_scale",
    "make_point",
    "point_in_bbox",
]


def _metres_param(metres: Any) -> Any:
    """A Python number becomes a Float bind parameter; SQL expressions pass through."""
    if isinstance(metres, ColumnElement) or hasattr(metres, "__clause_element__"):
        return metres
    if isinstance(metres, bool) or not isinstance(metres, int | float):
        raise TypeError(f"metres must be a number or a SQL expression, got {metres!r}")
    if not math.isfinite(metres) or metres < 0:
        raise ValueError(f"metres must be a finite number >= 0, got {metres!r}")
    return bindparam(None, float(metres), type_=Float())


def _float_param(value: float) -> Any:
    return bindparam(None, float(value), type_=Float())


def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(
        f"{type(element).__name__} supports only the postgresql and sqlite dialects, "
        f"not {compiler.dialect.name!r}"
    )


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


# --- dwithin_m --------------------------------------------------------------------------------


class DWithinM(FunctionElement[bool]):
    """``a`` and ``b`` are within ``metres`` of each other on the WGS-84 ellipsoid."""

    name = "dwithin_m"
    type = Boolean()
    inherit_cache = True


def dwithin_m(a: Any, b: Any, metres: Any) -> DWithinM:
    """True where geometries ``a`` and ``b`` are within ``metres`` (ellipsoidal) of each other.

    PostgreSQL: ``ST_DWithin(CAST(a AS geography), CAST(b AS geography), m)`` (uses a GiST
    index on ``(geom::geography)``); SQLite: ``NULLIF(PtDistWithin(a, b, m, 1), -1)``.
    """
    return DWithinM(a, b, _metres_param(metres))


compiles(DWithinM)(_unsupported)


@compiles(DWithinM, "postgresql")
def _dwithin_pg(element: DWithinM, compiler: SQLCompiler, **kw: Any) -> str:
    a, b, m = _args(element, compiler, **kw)
    return f"ST_DWithin(CAST({a} AS geography), CAST({b} AS geography), {m})"


@compiles(DWithinM, "sqlite")
def _dwithin_sqlite(element: DWithinM, compiler: SQLCompiler, **kw: Any) -> str:
    a, b, m = _args(element, compiler, **kw)
    return f"NULLIF(PtDistWithin({a}, {b}, {m}, 1), -1)"


# --- distance_m -------------------------------------------------------------------------------


class DistanceM(FunctionElement[float]):
    """Ellipsoidal distance in metres between two geometries."""

    name = "distance_m"
    type = Float()
    inherit_cache = True


def distance_m(a: Any, b: Any) -> DistanceM:
    """Distance in metres on the WGS-84 ellipsoid, for ordering and display.

    PostgreSQL: ``ST_Distance(CAST(a AS geography), CAST(b AS geography))``;
    SQLite: ``ST_Distance(a, b, 1)``.  Agrees with :func:`gis.distance.geodesic_distance_m`.
    """
    return DistanceM(a, b)


compiles(DistanceM)(_unsupported)


@compiles(DistanceM, "postgresql")
def _distance_pg(element: DistanceM, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"ST_Distance(CAST({a} AS geography), CAST({b} AS geography))"


@compiles(DistanceM, "sqlite")
def _distance_sqlite(element: DistanceM, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"ST_Distance({a}, {b}, 1)"


# --- local_distance_m -------------------------------------------------------------------------

#: Largest distance :func:`local_distance_m` is meant for, in metres.
LOCAL_REACH_M = 10_000.0
#: How far :func:`local_distance_m` can stray from the ellipsoidal distance within
#: :data:`LOCAL_REACH_M` at latitudes up to 60°, as a fraction of it (0.3 % at worst there,
#: from the change of the parallels' scale across the span; rounded up).
LOCAL_ERROR = 0.005


def local_scale(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` on the WGS-84 ellipsoid."""
    from gis.distance import WGS84_A, WGS84_F

    e2 = WGS84_F * (2 - WGS84_F)
    phi = math.radians(lat)
    w = math.sqrt(1 - e2 * math.sin(phi) ** 2)
    prime_vertical = WGS84_A / w
    meridional = WGS84_A * (1 - e2) / w**3
    return prime_vertical * math.cos(phi) * math.pi / 180, meridional * math.pi / 180


def local_distance_m(geom_col: Any, lon: float, lat: float) -> ColumnElement[float]:
    """Metres from ``(lon, lat)`` to a point column on the plane tangent there: plain
    arithmetic on ``ST_X``/``ST_Y``, a tenth of the cost of a geodesic.

    Within :data:`LOCAL_REACH_M` it is within :data:`LOCAL_ERROR` of :func:`distance_m`: good
    for pre-selecting candidates around a place, never for a rule's answer.
    """
    return local_distance_xy_m(func.ST_X(geom_col), func.ST_Y(geom_col), lon, lat)


def local_distance_xy_m(x: Any, y: Any, lon: float, lat: float) -> ColumnElement[float]:
    """:func:`local_distance_m` from longitude and latitude expressions already at hand (say,
    columns of a subquery that read each point once)."""
    if not (-60.0 <= lat <= 60.0):
        raise ValueError(f"local distances are for latitudes within ±60°, got {lat!r}")
    per_lon, per_lat = local_scale(lat)
    dx = (x - _float_param(lon)) * _float_param(per_lon)
    dy = (y - _float_param(lat)) * _float_param(per_lat)
    return func.sqrt(dx * dx + dy * dy, type_=Float())


# --- intersects_bbox --------------------------------------------------------------------------


class IntersectsBBox(FunctionElement[bool]):
    """A geometry column intersects a lon/lat box, using the spatial index on both backends."""

    name = "intersects_bbox"
    type = Boolean()
    inherit_cache = True
    # The SQL is already a boolean AND.  Without this flag SQLAlchemy renders it on SQLite as
    # "(... AND ...) = 1", and SQLite's planner cannot use a rowid IN (...) term buried in a
    # comparison: it scans the table instead of searching it by rowid.
    _is_implicitly_boolean = True


def intersects_bbox(geom_col: Any, bbox: BBox) -> IntersectsBBox:
    """True where ``geom_col`` intersects ``bbox`` (edges included).

    ``geom_col`` must be a geometry column of a table (or of an alias of one): on SQLite the
    table and column names are needed for the ``SpatialIndex`` lookup.  PostgreSQL:
    ``(geom && ST_MakeEnvelope(...) AND ST_Intersects(geom, ST_MakeEnvelope(...)))``; SQLite:
    ``(t.rowid IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = 't' AND
    f_geometry_column = 'geom' AND search_frame = BuildMbr(...)) AND
    NULLIF(ST_Intersects(geom, BuildMbr(...)), -1))``.

    On SQLite the column must have a SpatiaLite spatial index (``CreateSpatialIndex``), or
    nothing matches.  Rows whose geometry is NULL match neither this nor its negation on
    PostGIS; on SQLite they match the negation (they are not in the index).
    """
    if not isinstance(bbox, BBox):
        raise TypeError(f"bbox must be a gis.bbox.BBox, got {type(bbox).__name__}")
    _table_and_column(geom_col)  # fail early, not at compile time
    return IntersectsBBox(geom_col, *(_float_param(v) for v in bbox.as_tuple()))


def _table_and_column(geom_col: Any) -> tuple[TableClause | Alias, str, str]:
    """(FROM object to qualify rowid with, real table name, column name) of a column."""
    col = geom_col.__clause_element__() if hasattr(geom_col, "__clause_element__") else geom_col
    table = getattr(col, "table", None)
    if not isinstance(col, ColumnClause) or table is None:
        raise TypeError(
            "intersects_bbox needs a geometry column that belongs to a table, "
            f"got {type(geom_col).__name__}"
        )
    real = table
    while isinstance(real, Alias):
        real = real.element
    if not isinstance(real, TableClause):
        raise TypeError("intersects_bbox needs a column of a table or of an alias of a table")
    return table, real.name, col.name


def _sql_string(value: str) -> str:
    """A SQL string literal; names come from our own models, but quote them properly anyway."""
    return "'" + value.replace("'", "''") + "'"


compiles(IntersectsBBox)(_unsupported)


@compiles(IntersectsBBox, "postgresql")
def _intersects_bbox_pg(element: IntersectsBBox, compiler: SQLCompiler, **kw: Any) -> str:
    geom, x1, y1, x2, y2 = _args(element, compiler, **kw)
    envelope = f"ST_MakeEnvelope({x1}, {y1}, {x2}, {y2}, {WGS84_SRID})"
    return f"({geom} && {envelope} AND ST_Intersects({geom}, {envelope}))"


@compiles(IntersectsBBox, "sqlite")
def _intersects_bbox_sqlite(element: IntersectsBBox, compiler: SQLCompiler, **kw: Any) -> str:
    geom_clause = list(element.clauses)[0]
    from_obj, table_name, column_name = _table_and_column(geom_clause)
    geom, x1, y1, x2, y2 = _args(element, compiler, **kw)
    rowid = compiler.process(ColumnClause("rowid", _selectable=from_obj), **kw)
    mbr = f"BuildMbr({x1}, {y1}, {x2}, {y2}, {WGS84_SRID})"
    return (
        f"({rowid} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = "
        f"{_sql_string(table_name)} AND f_geometry_column = {_sql_string(column_name)} "
        f"AND search_frame = {mbr}) AND NULLIF(ST_Intersects({geom}, {mbr}), -1))"
    )


class PointInBBox(IntersectsBBox):
    """A point column lies in a lon/lat box: the spatial index alone answers it exactly."""

    name = "point_in_bbox"
    inherit_cache = True


def point_in_bbox(geom_col: Any, bbox: BBox) -> PointInBBox:
    """True where the point in ``geom_col`` lies in ``bbox`` (edges included).

    For point columns, as a pre-filter: an index entry of a point is the point itself, so the
    index lookup is the whole test and the exact per-row ``ST_Intersects`` of
    :func:`intersects_bbox` is skipped (around an industrial park, thousands of calls). It
    never misses a point in the box; SpatiaLite's R*Tree keeps 32-bit bounds rounded
    outwards, so it may let through a point within that rounding (about a metre) of it.
    PostgreSQL: ``geom && ST_MakeEnvelope(...)``; SQLite: ``rowid IN (SELECT rowid FROM
    SpatialIndex ...)``.
    """
    if not isinstance(bbox, BBox):
        raise TypeError(f"bbox must be a gis.bbox.BBox, got {type(bbox).__name__}")
    _table_and_column(geom_col)
    return PointInBBox(geom_col, *(_float_param(v) for v in bbox.as_tuple()))


compiles(PointInBBox)(_unsupported)


@compiles(PointInBBox, "postgresql")
def _point_in_bbox_pg(element: PointInBBox, compiler: SQLCompiler, **kw: Any) -> str:
    geom, x1, y1, x2, y2 = _args(element, compiler, **kw)
    return f"({geom} && ST_MakeEnvelope({x1}, {y1}, {x2}, {y2}, {WGS84_SRID}))"


@compiles(PointInBBox, "sqlite")
def _point_in_bbox_sqlite(element: PointInBBox, compiler: SQLCompiler, **kw: Any) -> str:
    geom_clause = list(element.clauses)[0]
    from_obj, table_name, column_name = _table_and_column(geom_clause)
    _geom, x1, y1, x2, y2 = _args(element, compiler, **kw)
    rowid = compiler.process(ColumnClause("rowid", _selectable=from_obj), **kw)
    return (
        f"({rowid} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = "
        f"{_sql_string(table_name)} AND f_geometry_column = {_sql_string(column_name)} "
        f"AND search_frame = BuildMbr({x1}, {y1}, {x2}, {y2}, {WGS84_SRID})))"
    )


# --- contains_point ---------------------------------------------------------------------------


class ContainsPoint(FunctionElement[bool]):
    """An area geometry contains a point geometry."""

    name = "contains_point"
    type = Boolean()
    inherit_cache = True


def contains_point(area_col: Any, point_expr: Any) -> ContainsPoint:
    """True where ``area_col`` contains ``point_expr`` (a point on the boundary does not count).

    PostgreSQL: ``(area && point AND ST_Contains(area, point))``;
    SQLite: ``NULLIF(ST_Contains(area, point), -1)`` (SpatiaLite returns -1 for NULL).
    """
    return ContainsPoint(area_col, point_expr)


compiles(ContainsPoint)(_unsupported)


@compiles(ContainsPoint, "postgresql")
def _contains_point_pg(element: ContainsPoint, compiler: SQLCompiler, **kw: Any) -> str:
    area, point = _args(element, compiler, **kw)
    return f"({area} && {point} AND ST_Contains({area}, {point}))"


@compiles(ContainsPoint, "sqlite")
def _contains_point_sqlite(element: ContainsPoint, compiler: SQLCompiler, **kw: Any) -> str:
    area, point = _args(element, compiler, **kw)
    return f"NULLIF(ST_Contains({area}, {point}), -1)"


# --- geom_from_ewkt / make_point ----------------------------------------------------------------


class GeomFromEWKT(FunctionElement[Any]):
    """A geometry built from EWKT text."""

    name = "geom_from_ewkt"
    type = Geometry(srid=WGS84_SRID)
    inherit_cache = True


def geom_from_ewkt(text_or_bindparam: Any) -> GeomFromEWKT:
    """A geometry from EWKT (``"SRID=4326;POINT (120.1 30.2)"``, as :func:`to_ewkt` writes).

    A Python string is checked here first (SRID prefix present, parsable, valid), because
    SpatiaLite would store malformed text as NULL without complaint; a bind parameter or other
    SQL expression is passed through.  PostgreSQL ``ST_GeomFromEWKT(x)``, SQLite
    ``GeomFromEWKT(x)``.
    """
    if isinstance(text_or_bindparam, str):
        if not text_or_bindparam.lstrip().upper().startswith("SRID="):
            raise GeometryError(MALFORMED_WKT, "EWKT must start with an SRID=4326; prefix", "ewkt")
        from_wkt(text_or_bindparam, field="ewkt", allowed=_ALL_TYPES, max_positions=None)
        return GeomFromEWKT(bindparam(None, text_or_bindparam, type_=String()))
    return GeomFromEWKT(text_or_bindparam)


_ALL_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")

compiles(GeomFromEWKT)(_unsupported)


@compiles(GeomFromEWKT, "postgresql")
def _geom_from_ewkt_pg(element: GeomFromEWKT, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return f"ST_GeomFromEWKT({text})"


@compiles(GeomFromEWKT, "sqlite")
def _geom_from_ewkt_sqlite(element: GeomFromEWKT, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return f"GeomFromEWKT({text})"


class MakePoint(FunctionElement[Any]):
    """A WGS-84 point from longitude and latitude expressions."""

    name = "make_point"
    type = Geometry(geometry_type="POINT", srid=WGS84_SRID)
    inherit_cache = True


def make_point(lon: Any, lat: Any) -> MakePoint:
    """A WGS-84 point: ``ST_SetSRID(ST_MakePoint(x, y), 4326)`` / ``MakePoint(x, y, 4326)``.

    Python numbers become Float bind parameters; validate them with
    :func:`gis.geometry.validate_lonlat` first.
    """
    args = [
        v if isinstance(v, ColumnElement) or hasattr(v, "__clause_element__") else _float_param(v)
        for v in (lon, lat)
    ]
    return MakePoint(*args)


compiles(MakePoint)(_unsupported)


@compiles(MakePoint, "postgresql")
def _make_point_pg(element: MakePoint, compiler: SQLCompiler, **kw: Any) -> str:
    x, y = _args(element, compiler, **kw)
    return f"ST_SetSRID(ST_MakePoint({x}, {y}), {WGS84_SRID})"


@compiles(MakePoint, "sqlite")
def _make_point_sqlite(element: MakePoint, compiler: SQLCompiler, **kw: Any) -> str:
    x, y = _args(element, compiler, **kw)
    return f"MakePoint({x}, {y}, {WGS84_SRID})"
