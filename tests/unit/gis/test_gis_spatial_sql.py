"""Portable spatial SQL: what each helper compiles to on PostgreSQL and on SQLite.

No database here: the lead's integration tests run the same expressions on real PostGIS and
SpatiaLite.  These tests pin the SQL text, the bound parameters and the dialect rules from
research/stack-spike.md (ellipsoid on both, SpatialIndex on SQLite, no -1-as-true).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import CompileError
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column

from gis.bbox import BBox
from gis.distance import geodesic_distance_m
from gis.errors import GeometryError
from gis.spatial_sql import (
    contains_point,
    distance_m,
    dwithin_m,
    geom_from_ewkt,
    intersects_bbox,
    local_distance_m,
    local_scale,
    make_point,
    point_in_bbox,
)

PG = postgresql.dialect()
SQLITE = sqlite.dialect()

metadata = sa.MetaData()
enterprise = sa.Table(
    "enterprise",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
)
complaint = sa.Table(
    "complaint",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
)
station = sa.Table(
    "station",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("area", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
)
BOX = BBox(119.9, 31.7, 120.0, 31.8)


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "new_project"
    id: Mapped[int] = mapped_column(primary_key=True)
    footprint: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))


def sql(expr: Any, dialect: Any, *, literal: bool = False) -> str:
    """Compiled SQL with whitespace collapsed."""
    kwargs = {"compile_kwargs": {"literal_binds": True}} if literal else {}
    return re.sub(r"\s+", " ", str(expr.compile(dialect=dialect, **kwargs))).strip()


def where(expr: Any, dialect: Any, *, literal: bool = True) -> str:
    """The WHERE clause of a SELECT filtered by expr."""
    text = sql(sa.select(enterprise.c.id).where(expr), dialect, literal=literal)
    return text.split(" WHERE ", 1)[1]


class TestDWithinM:
    def test_postgresql_uses_geography(self) -> None:
        expr = dwithin_m(enterprise.c.geom, complaint.c.geom, 500)
        assert sql(expr, PG, literal=True) == (
            "ST_DWithin(CAST(enterprise.geom AS geography), "
            "CAST(complaint.geom AS geography), 500.0)"
        )

    def test_sqlite_uses_the_ellipsoid_flag(self) -> None:
        expr = dwithin_m(enterprise.c.geom, complaint.c.geom, 500)
        assert sql(expr, SQLITE, literal=True) == (
            "NULLIF(PtDistWithin(enterprise.geom, complaint.geom, 500.0, 1), -1)"
        )

    def test_metres_is_a_float_bind_parameter(self) -> None:
        compiled = dwithin_m(enterprise.c.geom, complaint.c.geom, 500).compile(dialect=SQLITE)
        assert list(compiled.params.values()) == [500.0]
        assert type(list(compiled.params.values())[0]) is float
        assert "500" not in str(compiled)

    def test_in_where_on_sqlite_is_compared_with_one(self) -> None:
        # SQLite has no boolean type; SQLAlchemy compares with 1 / 0, and NULLIF keeps
        # SpatiaLite's -1 ("invalid input") from counting as true for either.
        expr = dwithin_m(enterprise.c.geom, complaint.c.geom, 500)
        assert where(expr, SQLITE).endswith("-1) = 1")
        assert where(~expr, SQLITE).endswith("-1) = 0")

    def test_negation_on_postgresql(self) -> None:
        expr = ~dwithin_m(enterprise.c.geom, complaint.c.geom, 500)
        assert where(expr, PG).startswith("NOT ST_DWithin(")

    def test_metres_may_be_an_expression(self) -> None:
        radius = sa.column("radius_m", sa.Float)
        expr = dwithin_m(enterprise.c.geom, complaint.c.geom, radius)
        assert sql(expr, PG).endswith("AS geography), radius_m)")

    @pytest.mark.parametrize("metres", [-1, float("nan"), float("inf")])
    def test_bad_metres(self, metres: float) -> None:
        with pytest.raises(ValueError):
            dwithin_m(enterprise.c.geom, complaint.c.geom, metres)

    @pytest.mark.parametrize("metres", ["500", True, None])
    def test_non_numeric_metres(self, metres: Any) -> None:
        with pytest.raises(TypeError):
            dwithin_m(enterprise.c.geom, complaint.c.geom, metres)

    def test_type_is_boolean(self) -> None:
        assert isinstance(dwithin_m(enterprise.c.geom, complaint.c.geom, 1).type, sa.Boolean)


class TestDistanceM:
    def test_postgresql(self) -> None:
        expr = distance_m(enterprise.c.geom, complaint.c.geom)
        assert sql(expr, PG) == (
            "ST_Distance(CAST(enterprise.geom AS geography), CAST(complaint.geom AS geography))"
        )

    def test_sqlite(self) -> None:
        expr = distance_m(enterprise.c.geom, complaint.c.geom)
        assert sql(expr, SQLITE) == "ST_Distance(enterprise.geom, complaint.geom, 1)"

    def test_type_is_float_and_usable_in_order_by(self) -> None:
        expr = distance_m(enterprise.c.geom, make_point(119.95, 31.77))
        assert isinstance(expr.type, sa.Float)
        stmt = sa.select(enterprise.c.id, expr.label("d")).order_by(expr)
        assert sql(stmt, SQLITE, literal=True).endswith(
            "ORDER BY ST_Distance(enterprise.geom, MakePoint(119.95, 31.77, 4326), 1)"
        )


class TestLocalDistanceM:
    def test_plain_arithmetic_on_both_dialects(self) -> None:
        expr = local_distance_m(enterprise.c.geom, 120.0, 31.7)
        for dialect in (PG, SQLITE):
            text = sql(expr, dialect, literal=True)
            assert text.startswith("sqrt((ST_X(enterprise.geom) - 120.0) * ")
            assert "ST_Distance" not in text

    @pytest.mark.parametrize("lat", [0.0, 23.5, 31.7, 45.0, 59.9])
    def test_scale_matches_the_geodesic(self, lat: float) -> None:
        per_lon, per_lat = local_scale(lat)
        assert per_lat == pytest.approx(
            geodesic_distance_m(0, lat - 0.005, 0, lat + 0.005) * 100, rel=1e-6
        )
        assert per_lon == pytest.approx(
            geodesic_distance_m(-0.005, lat, 0.005, lat) * 100, rel=1e-6
        )

    def test_refuses_high_latitudes(self) -> None:
        with pytest.raises(ValueError):
            local_distance_m(enterprise.c.geom, 10.0, 70.0)


class TestPointInBBox:
    box = BBox(119.9, 31.7, 120.0, 31.8)

    def test_postgresql_is_the_index_operator_alone(self) -> None:
        assert sql(point_in_bbox(enterprise.c.geom, self.box), PG, literal=True) == (
            "(enterprise.geom && ST_MakeEnvelope(119.9, 31.7, 120.0, 31.8, 4326))"
        )

    def test_sqlite_is_the_spatial_index_alone(self) -> None:
        text = sql(point_in_bbox(enterprise.c.geom, self.box), SQLITE, literal=True)
        assert text.startswith("(enterprise.rowid IN (SELECT rowid FROM SpatialIndex")
        assert "f_table_name = 'enterprise'" in text and "ST_Intersects" not in text

    def test_needs_a_box(self) -> None:
        with pytest.raises(TypeError):
            point_in_bbox(enterprise.c.geom, (1, 2, 3, 4))


class TestIntersectsBBox:
    def test_postgresql_uses_the_index_operator_then_the_exact_test(self) -> None:
        envelope = "ST_MakeEnvelope(119.9, 31.7, 120.0, 31.8, 4326)"
        assert where(intersects_bbox(enterprise.c.geom, BOX), PG) == (
            f"(enterprise.geom && {envelope} AND ST_Intersects(enterprise.geom, {envelope}))"
        )

    def test_sqlite_queries_the_spatial_index(self) -> None:
        mbr = "BuildMbr(119.9, 31.7, 120.0, 31.8, 4326)"
        assert where(intersects_bbox(enterprise.c.geom, BOX), SQLITE) == (
            "(enterprise.rowid IN (SELECT rowid FROM SpatialIndex "
            "WHERE f_table_name = 'enterprise' AND f_geometry_column = 'geom' "
            f"AND search_frame = {mbr}) AND NULLIF(ST_Intersects(enterprise.geom, {mbr}), -1))"
        )

    def test_sqlite_keeps_rowid_in_as_a_top_level_term(self) -> None:
        # Wrapped as "(...) = 1", SQLite cannot search by rowid and scans the table instead.
        clause = where(intersects_bbox(enterprise.c.geom, BOX), SQLITE)
        assert not clause.endswith("= 1")

    def test_numbers_are_bound_parameters(self) -> None:
        for dialect in (PG, SQLITE):
            compiled = intersects_bbox(enterprise.c.geom, BOX).compile(dialect=dialect)
            assert sorted(set(compiled.params.values())) == [31.7, 31.8, 119.9, 120.0]
            assert "119.9" not in str(compiled)

    def test_sqlite_positional_parameters_repeat_for_each_use(self) -> None:
        compiled = sa.select(enterprise.c.id).where(intersects_bbox(enterprise.c.geom, BOX))
        compiled = compiled.compile(dialect=SQLITE)
        assert str(compiled).count("?") == 8
        assert len(compiled.positiontup) == 8

    def test_alias_qualifies_rowid_but_names_the_real_table(self) -> None:
        other = enterprise.alias("nearby")
        stmt = sa.select(other.c.id).where(intersects_bbox(other.c.geom, BOX))
        text = sql(stmt, SQLITE, literal=True)
        assert "nearby.rowid IN (SELECT rowid FROM SpatialIndex" in text
        assert "f_table_name = 'enterprise'" in text

    def test_orm_attribute_and_aliased_class(self) -> None:
        text = sql(
            sa.select(Project.id).where(intersects_bbox(Project.footprint, BOX)),
            SQLITE,
            literal=True,
        )
        assert "new_project.rowid IN" in text
        assert "f_geometry_column = 'footprint'" in text
        p2 = aliased(Project, name="p2")
        text = sql(sa.select(p2.id).where(intersects_bbox(p2.footprint, BOX)), SQLITE, literal=True)
        assert "p2.rowid IN" in text and "f_table_name = 'new_project'" in text

    def test_quotes_in_names_are_escaped(self) -> None:
        odd = sa.Table("o'dd", sa.MetaData(), sa.Column("g'eom", Geometry(srid=4326)))
        text = sql(intersects_bbox(odd.c["g'eom"], BOX), SQLITE, literal=True)
        assert "f_table_name = 'o''dd'" in text
        assert "f_geometry_column = 'g''eom'" in text

    def test_negation_is_parenthesised(self) -> None:
        clause = where(~intersects_bbox(enterprise.c.geom, BOX), SQLITE)
        assert clause.startswith("NOT (enterprise.rowid IN")

    def test_needs_a_table_column(self) -> None:
        with pytest.raises(TypeError):
            intersects_bbox(make_point(120.0, 31.0), BOX)
        with pytest.raises(TypeError):
            intersects_bbox(sa.column("geom"), BOX)

    def test_needs_a_bbox(self) -> None:
        with pytest.raises(TypeError):
            intersects_bbox(enterprise.c.geom, (119.9, 31.7, 120.0, 31.8))  # type: ignore[arg-type]


class TestContainsPoint:
    def test_postgresql(self) -> None:
        expr = contains_point(station.c.area, complaint.c.geom)
        assert sql(expr, PG) == (
            "(station.area && complaint.geom AND ST_Contains(station.area, complaint.geom))"
        )

    def test_sqlite(self) -> None:
        expr = contains_point(station.c.area, complaint.c.geom)
        assert sql(expr, SQLITE) == "NULLIF(ST_Contains(station.area, complaint.geom), -1)"

    def test_with_a_literal_point(self) -> None:
        stmt = sa.select(station.c.id).where(contains_point(station.c.area, make_point(120, 31)))
        assert sql(stmt, PG, literal=True).endswith(
            "WHERE (station.area && ST_SetSRID(ST_MakePoint(120.0, 31.0), 4326) AND "
            "ST_Contains(station.area, ST_SetSRID(ST_MakePoint(120.0, 31.0), 4326)))"
        )


class TestGeomFromEWKT:
    def test_postgresql(self) -> None:
        expr = geom_from_ewkt("SRID=4326;POINT (119.95 31.77)")
        assert sql(expr, PG, literal=True) == "ST_GeomFromEWKT('SRID=4326;POINT (119.95 31.77)')"

    def test_sqlite(self) -> None:
        expr = geom_from_ewkt("SRID=4326;POINT (119.95 31.77)")
        assert sql(expr, SQLITE, literal=True) == "GeomFromEWKT('SRID=4326;POINT (119.95 31.77)')"

    def test_text_is_a_bind_parameter(self) -> None:
        compiled = geom_from_ewkt("SRID=4326;POINT (119.95 31.77)").compile(dialect=SQLITE)
        assert str(compiled) == "GeomFromEWKT(?)"
        assert list(compiled.params.values()) == ["SRID=4326;POINT (119.95 31.77)"]

    def test_bindparam_passes_through(self) -> None:
        expr = geom_from_ewkt(sa.bindparam("ewkt", type_=sa.String))
        assert sql(expr, SQLITE) == "GeomFromEWKT(?)"
        assert sql(expr, PG).startswith("ST_GeomFromEWKT(%(ewkt)s")

    @pytest.mark.parametrize(
        "text, code",
        [
            ("POINT (119.95 31.77)", "malformed_wkt"),
            ("SRID=4326;POINT (119.95 31.77", "malformed_wkt"),
            ("SRID=4326;POINT (0 0)", "null_island"),
            ("SRID=4326;POINT EMPTY", "empty_geometry"),
        ],
    )
    def test_bad_text_is_refused_before_it_reaches_spatialite(self, text: str, code: str) -> None:
        with pytest.raises(GeometryError) as exc:
            geom_from_ewkt(text)
        assert exc.value.code == code

    def test_used_in_an_insert(self) -> None:
        stmt = enterprise.insert().values(id=1, geom=geom_from_ewkt("SRID=4326;POINT (120 31)"))
        assert "VALUES (?, GeomFromEWKT(?))" in sql(stmt, SQLITE)


class TestMakePoint:
    def test_both_dialects(self) -> None:
        assert sql(make_point(120.5, 31.25), PG, literal=True) == (
            "ST_SetSRID(ST_MakePoint(120.5, 31.25), 4326)"
        )
        assert (
            sql(make_point(120.5, 31.25), SQLITE, literal=True) == "MakePoint(120.5, 31.25, 4326)"
        )

    def test_columns_pass_through(self) -> None:
        lon, lat = sa.column("lon", sa.Float), sa.column("lat", sa.Float)
        assert sql(make_point(lon, lat), SQLITE) == "MakePoint(lon, lat, 4326)"


@pytest.mark.parametrize(
    "expr",
    [
        dwithin_m(enterprise.c.geom, complaint.c.geom, 500),
        distance_m(enterprise.c.geom, complaint.c.geom),
        intersects_bbox(enterprise.c.geom, BOX),
        contains_point(station.c.area, complaint.c.geom),
        geom_from_ewkt("SRID=4326;POINT (120 31)"),
        make_point(120.0, 31.0),
    ],
    ids=["dwithin_m", "distance_m", "intersects_bbox", "contains_point", "ewkt", "make_point"],
)
def test_other_dialects_fail_loudly(expr: Any) -> None:
    with pytest.raises(CompileError, match="postgresql and sqlite"):
        expr.compile(dialect=mysql.dialect())


def test_statements_are_cacheable_and_keyed_by_their_columns() -> None:
    a = sa.select(enterprise.c.id).where(intersects_bbox(enterprise.c.geom, BOX))
    b = sa.select(enterprise.c.id).where(intersects_bbox(enterprise.c.geom, BBox(1, 1, 2, 2)))
    c = sa.select(station.c.id).where(intersects_bbox(station.c.area, BOX))
    key_a, key_b, key_c = (s._generate_cache_key() for s in (a, b, c))
    assert key_a is not None and key_a == key_b  # same SQL, different parameters
    assert key_a != key_c  # different table and column: different SQL
