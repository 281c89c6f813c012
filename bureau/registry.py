"""Canonical registry records and the validators that build them from flat rows.

The registry (登记数据) is what complaints and visits are linked to: township stations with their
jurisdiction polygons, enterprises, new construction projects and the must-visit roster. Rows
arrive from CSV files, GeoJSON properties and forms; each ``*_from_mapping`` function turns one
such row into a frozen record holding validated, normalized values and WGS-84 shapely geometry,
or raises :class:`~bureau.errors.InvalidInput` listing *every* problem of the row, per field.

Each record has a natural ``key`` (station code, credit code, approval number, roster ref) so
that importing the same file twice updates rather than duplicates.

Deliberately *not* checked here, because it needs the database: whether a person's station code
names an existing station, and whether a key is already taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from bureau.fields import FieldErrors, RowReader
from bureau.locations import (
    DEFAULT_DATUM,
    check_geometry_area,
    check_point,
    convert_geometry,
    read_datum,
    read_point,
    record_geometry_error,
)
from bureau.vocabulary import INDUSTRIES, MUST_VISIT_CATEGORIES, POLLUTANTS, PROJECT_STATUSES
from gis.errors import GeometryError
from gis.geometry import BBox, as_multipolygon, from_wkt

__all__ = [
    "MAX_ADDRESS",
    "MAX_CODE",
    "MAX_NAME",
    "EnterpriseRecord",
    "PersonRecord",
    "ProjectRecord",
    "Record",
    "StationRecord",
    "enterprise_from_mapping",
    "person_from_mapping",
    "project_from_mapping",
    "station_from_mapping",
]

MAX_CODE = 64
"""Longest station code, approval number or roster ref."""
MAX_NAME = 200
"""Longest name of a station, enterprise, project or developer."""
MAX_PERSON_NAME = 100
MAX_ADDRESS = 300

_AREA_TYPES = ("Polygon", "MultiPolygon")
_FOOTPRINT_TYPES = ("Point", "Polygon", "MultiPolygon")

Problems = Mapping[str, Iterable[str]] | None


@dataclass(frozen=True)
class StationRecord:
    """A township environmental station (乡镇环境管理站) and its jurisdiction."""

    code: str
    name: str
    area: MultiPolygon

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True)
class EnterpriseRecord:
    """An enterprise in the registry, keyed by its unified social credit code."""

    credit_code: str
    name: str
    address: str
    location: Point
    industry: str
    pollutants: tuple[str, ...]
    is_key: bool
    contact_name: str | None = None
    contact_phone: str | None = None

    @property
    def key(self) -> str:
        return self.credit_code


@dataclass(frozen=True)
class ProjectRecord:
    """A new construction project (新建项目) with its environmental impact approval number."""

    approval_number: str
    name: str
    footprint: Point | Polygon | MultiPolygon
    status: str
    approved_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    developer: str | None = None

    @property
    def key(self) -> str:
        return self.approval_number


@dataclass(frozen=True)
class PersonRecord:
    """Someone on the must-visit roster (五个必访); ``ref`` is the roster's own id for them."""

    ref: str
    name: str
    category: str
    phone: str | None = None
    address: str | None = None
    location: Point | None = None
    station_code: str | None = None

    @property
    def key(self) -> str:
        return self.ref


Record = StationRecord | EnterpriseRecord | ProjectRecord | PersonRecord


def station_from_mapping(
    data: Mapping[str, object],
    geometry: BaseGeometry | None = None,
    *,
    service_area: BBox | None = None,
    default_datum: str = DEFAULT_DATUM,
    problems: Problems = None,
) -> StationRecord:
    """Validate a station row; the area comes from ``geometry`` or else a ``wkt`` value.

    ``problems`` are errors the caller already found (say, an unparseable GeoJSON geometry);
    they are reported together with this row's own.
    """
    row = _reader(data, problems)
    code = row.code("code", required=True, max_length=MAX_CODE)
    name = row.text("name", required=True, max_length=MAX_NAME)
    area = _geometry(row, geometry, _AREA_TYPES, service_area, default_datum, required=True)
    row.errors.raise_if_any("station")
    assert code is not None and name is not None and area is not None
    return StationRecord(code=code, name=name, area=as_multipolygon(area))


def enterprise_from_mapping(
    data: Mapping[str, object],
    location: Point | None = None,
    *,
    service_area: BBox | None = None,
    default_datum: str = DEFAULT_DATUM,
    problems: Problems = None,
) -> EnterpriseRecord:
    """Validate an enterprise row; the position is ``location`` or else ``lon``/``lat``."""
    row = _reader(data, problems)
    credit_code = row.credit_code("credit_code")
    name = row.text("name", required=True, max_length=MAX_NAME)
    address = row.text("address", required=True, max_length=MAX_ADDRESS)
    industry = row.choice("industry", INDUSTRIES)
    pollutants = row.choices("pollutants", POLLUTANTS)
    is_key = row.boolean("is_key")
    contact_name = row.text("contact_name", max_length=MAX_PERSON_NAME)
    contact_phone = row.phone("contact_phone")
    point = _point(row, location, service_area, default_datum, required=True)
    row.errors.raise_if_any("enterprise")
    assert credit_code and name and address and industry and point is not None
    return EnterpriseRecord(
        credit_code=credit_code,
        name=name,
        address=address,
        location=point,
        industry=industry,
        pollutants=pollutants,
        is_key=is_key,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )


def project_from_mapping(
    data: Mapping[str, object],
    footprint: BaseGeometry | None = None,
    *,
    service_area: BBox | None = None,
    default_datum: str = DEFAULT_DATUM,
    problems: Problems = None,
) -> ProjectRecord:
    """Validate a project row; the footprint is ``footprint``, a ``wkt`` value or ``lon``/``lat``.

    A project approved after its start date is accepted on purpose: building before approval
    (未批先建) is a violation the bureau must be able to record, not a typing error.
    """
    row = _reader(data, problems)
    approval_number = row.text("approval_number", required=True, max_length=MAX_CODE)
    name = row.text("name", required=True, max_length=MAX_NAME)
    status = row.choice("status", PROJECT_STATUSES)
    approved_on = row.date("approved_on")
    starts_on = row.date("starts_on")
    ends_on = row.date("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        row.errors.add("ends_on", f"must not be before starts_on ({starts_on.isoformat()})")
    developer = row.text("developer", max_length=MAX_NAME)
    if footprint is None and row.raw("wkt") is None:
        shape: BaseGeometry | None = _point(row, None, service_area, default_datum, required=False)
        if shape is None and not row.errors.has("location") and not _has_lonlat_errors(row):
            row.errors.add("geometry", "required: give a geometry, a wkt or lon and lat")
    else:
        shape = _geometry(
            row, footprint, _FOOTPRINT_TYPES, service_area, default_datum, required=True
        )
    row.errors.raise_if_any("project")
    assert approval_number and name and status and shape is not None
    assert isinstance(shape, Point | Polygon | MultiPolygon)
    return ProjectRecord(
        approval_number=approval_number,
        name=name,
        footprint=shape,
        status=status,
        approved_on=approved_on,
        starts_on=starts_on,
        ends_on=ends_on,
        developer=developer,
    )


def person_from_mapping(
    data: Mapping[str, object],
    location: Point | None = None,
    *,
    service_area: BBox | None = None,
    default_datum: str = DEFAULT_DATUM,
    problems: Problems = None,
) -> PersonRecord:
    """Validate a must-visit person row; a location is optional (``location`` or lon/lat)."""
    row = _reader(data, problems)
    ref = row.code("ref", required=True, max_length=MAX_CODE)
    name = row.text("name", required=True, max_length=MAX_PERSON_NAME)
    category = row.choice("category", MUST_VISIT_CATEGORIES)
    phone = row.phone("phone")
    address = row.text("address", max_length=MAX_ADDRESS)
    station_code = row.code("station_code", max_length=MAX_CODE)
    point = _point(row, location, service_area, default_datum, required=False)
    row.errors.raise_if_any("person")
    assert ref and name and category
    return PersonRecord(
        ref=ref,
        name=name,
        category=category,
        phone=phone,
        address=address,
        location=point,
        station_code=station_code,
    )


def _reader(data: Mapping[str, object], problems: Problems) -> RowReader:
    errors = FieldErrors()
    errors.merge(problems)
    return RowReader(data, errors)


def _has_lonlat_errors(row: RowReader) -> bool:
    return row.errors.has("lon") or row.errors.has("lat") or row.errors.has("datum")


def _point(
    row: RowReader,
    location: Point | None,
    service_area: BBox | None,
    default_datum: str,
    *,
    required: bool,
) -> Point | None:
    """The row's position, from a ready geometry or from its lon/lat columns."""
    if row.errors.has("geometry"):
        return None  # the caller could not parse the geometry; already reported
    if location is None:
        return read_point(
            row, required=required, service_area=service_area, default_datum=default_datum
        )
    if not isinstance(location, Point):
        row.errors.add("geometry", f"must be a Point, not {location.geom_type}")
        return None
    if location.is_empty:
        row.errors.add("geometry", "must not be empty")
        return None
    return check_point(location, row.errors, "geometry", service_area=service_area)


def _geometry(
    row: RowReader,
    geometry: BaseGeometry | None,
    allowed: tuple[str, ...],
    service_area: BBox | None,
    default_datum: str,
    *,
    required: bool,
) -> BaseGeometry | None:
    """An area or footprint, from a ready geometry or from the row's ``wkt`` value."""
    field = "geometry"
    if row.errors.has(field):
        return None
    if geometry is None:
        wkt = row.raw("wkt")
        if wkt is None:
            if required:
                row.errors.add(field, "required")
            return None
        field = "wkt"
        datum = read_datum(row, default_datum)
        if not isinstance(wkt, str):
            row.errors.add(field, "must be WKT text")
            return None
        try:
            geometry = from_wkt(wkt.strip(), field=field, allowed=allowed)
        except GeometryError as exc:
            record_geometry_error(row.errors, field, exc)
            return None
        if datum is None:
            return None
        geometry = convert_geometry(geometry, datum)
    if geometry.geom_type not in allowed:
        row.errors.add(field, f"must be a {' or '.join(allowed)}, not {geometry.geom_type}")
        return None
    if geometry.is_empty:
        row.errors.add(field, "must not be empty")
        return None
    if not geometry.is_valid:
        row.errors.add(field, f"{geometry.geom_type} is not valid: {explain_validity(geometry)}")
        return None
    if isinstance(geometry, Point):
        return check_point(geometry, row.errors, field, service_area=service_area)
    if not check_geometry_area(geometry, row.errors, field, service_area):
        return None
    return geometry
