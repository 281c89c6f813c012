"""Each synced entity's wire record, declared once and rendered two ways.

A wire record is ``{"id": uid, "version": n, …fields…}`` (docs/sync-protocol.md §2). It is
built in Python for push answers, merges and conflict reviews, and in SQL for pulls: a pull
page holds up to a thousand records, and having the database write each one's JSON (PostgreSQL
``json_build_object``, SQLite ``json_object``) costs a fraction of decoding the columns into
Python objects and encoding them again. Both renderings come from the same field list below,
and ``tests/integration/test_sync_wire.py`` holds them to the same values on both backends,
value for value: timestamps as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, points as GeoJSON with seven
decimals, floats exact, booleans as booleans.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.dialects import postgresql

from gis.geometry import to_geojson

#: decimals a wire point keeps (about 1 cm); stored points are rounded to this on the way in
POINT_DECIMALS = 7


@dataclass(frozen=True)
class WireField:
    name: str
    #: the row attribute (column key) the value comes from
    column: str
    #: plain | float | bool | json | time | point
    kind: str = "plain"


def _fields(*spec: str | tuple[str, str] | tuple[str, str, str]) -> tuple[WireField, ...]:
    out = []
    for item in spec:
        if isinstance(item, str):
            out.append(WireField(item, item))
        elif len(item) == 2:
            out.append(WireField(item[0], item[0], item[1]))
        else:
            out.append(WireField(*item))
    return tuple(out)


_HEAD = (("id", "uid", "plain"), "version", "station_id")

WIRE_FIELDS: dict[str, tuple[WireField, ...]] = {
    "complaint": _fields(
        *_HEAD,
        "channel",
        "category",
        "description",
        "summary",
        "status",
        ("location", "point"),
        "address",
        ("received_at", "time"),
    ),
    "complaint_event": _fields(
        *_HEAD,
        ("complaint_id", "complaint_uid", "plain"),  # the parent's uid, joined in
        "kind",
        "text",
        "notified_by",
        ("satisfied", "bool"),
        ("occurred_at", "time"),
    ),
    "visit": _fields(
        *_HEAD,
        "inspector_id",
        "target_kind",
        "target_ref",
        ("location", "point"),
        ("accuracy_m", "float"),
        ("visited_at", "time"),
        "findings",
        ("photos", "json"),
        ("mock_location", "bool"),
    ),
    "person": _fields(*_HEAD, "ref", "name", "category", "phone", "address", ("location", "point")),
    "enterprise_proposal": _fields(
        *_HEAD, ("credit_code", "target_key", "plain"), ("changes", "json"), "reason", "status"
    ),
    "roster_entry": _fields(
        *_HEAD,
        "round_id",
        "subject_key",
        "category",
        "enter",
        "name",
        "phone",
        "address",
        "reason",
        "status",
        "assigned_to",
    ),
    "project_proposal": _fields(
        *_HEAD,
        ("approval_number", "target_key", "plain"),
        ("changes", "json"),
        "reason",
        "status",
    ),
}


# -- in Python -------------------------------------------------------------------------------


def wire_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def wire_point(value: Any) -> dict | None:
    """A geometry column's value as GeoJSON, whether loaded (WKB), just assigned (EWKT) or
    already GeoJSON (a record answered before it was read back)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {"type": value["type"], "coordinates": list(value["coordinates"])}
    if isinstance(value, bytes | memoryview):
        value = bytes(value)
        if len(value) == 21:  # a 2-D WKB Point, the common case: decoded without shapely
            order = "<" if value[0] == 1 else ">"
            kind, lon, lat = struct.unpack(order + "Idd", value[1:])
            if kind == 1:
                return {
                    "type": "Point",
                    "coordinates": [round(lon, POINT_DECIMALS), round(lat, POINT_DECIMALS)],
                }
        shape = shapely.from_wkb(value)
    elif isinstance(value, str):
        shape = shapely.from_wkt(value.split(";", 1)[-1])
    elif hasattr(value, "geom_type"):
        shape = value
    else:
        shape = to_shape(value)
    return to_geojson(shape)


_PYTHON = {
    "plain": lambda v: v,
    "float": lambda v: v,
    "bool": lambda v: v,
    "json": lambda v: v,
    "time": wire_time,
    "point": wire_point,
}


def python_record(entity: str, row: Any) -> dict[str, Any]:
    """The wire record of ``row`` (an ORM object or a row with the same attributes)."""
    return {f.name: _PYTHON[f.kind](getattr(row, f.column)) for f in WIRE_FIELDS[entity]}


def record_of_wire_values(entity: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A maker of ``entity``'s wire record from values keyed by column that are in wire form
    already (a pushed visit's validated fields: the point as GeoJSON, the time as wire text),
    so that nothing is converted back and forth: the push of 500 visits answers 500 records.
    """
    names = tuple(f.name for f in WIRE_FIELDS[entity])
    values_of = operator.itemgetter(*(f.column for f in WIRE_FIELDS[entity]))
    return lambda values: dict(zip(names, values_of(values), strict=True))


# -- in SQL ----------------------------------------------------------------------------------


def sql_record(entity: str, columns: dict[str, Any], dialect: str) -> sa.ColumnElement[str]:
    """A SQL expression giving the wire record of each row as JSON text.

    ``columns`` maps a field's column key to the SQL column to read it from.
    """
    pairs: list[Any] = []
    for f in WIRE_FIELDS[entity]:
        pairs += [sa.literal(f.name), _sql_value(f.kind, columns[f.column], dialect)]
    if dialect == "postgresql":
        return sa.cast(sa.func.json_build_object(*pairs), sa.Text)
    return sa.func.json_object(*pairs, type_=sa.Text)


def _sql_value(kind: str, column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return _pg_value(kind, column)
    return _sqlite_value(kind, column)


def _pg_value(kind: str, column: Any) -> Any:
    if kind == "time":
        utc = sa.func.timezone("UTC", column)
        whole = sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
        fraction = sa.case(
            (sa.func.to_char(utc, "US") == "000000", ""), else_=sa.func.to_char(utc, ".US")
        )
        return sa.case((column.is_(None), None), else_=whole + fraction + "Z")
    if kind == "point":
        return sa.cast(sa.func.ST_AsGeoJSON(column, POINT_DECIMALS), postgresql.JSON)
    return column  # float8 prints exact and shortest; json and boolean embed as themselves


def _sqlite_value(kind: str, column: Any) -> Any:
    if kind == "time":
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)
        text = sa.cast(column, sa.Text)
        fraction = sa.func.substr(text, 21, 6)
        return sa.case(
            (column.is_(None), None),
            else_=sa.func.replace(sa.func.substr(text, 1, 19), " ", "T")
            + sa.case((fraction.in_(["", "000000"]), ""), else_="." + fraction)
            + "Z",
        )
    if kind == "point":
        return sa.func.json(sa.func.AsGeoJSON(column, POINT_DECIMALS))
    if kind == "json":
        return sa.func.json(column)
    if kind == "bool":
        return sa.case(
            (column.is_(None), None),
            (column != 0, sa.func.json("true")),
            else_=sa.func.json("false"),
        )
    if kind == "float":
        # SQLite prints REALs with 15 significant digits; use 17 when 15 would not read back
        short = sa.cast(column, sa.Text)
        return sa.func.json(
            sa.case(
                (column.is_(None), None),
                (sa.cast(short, sa.Float) == column, short),
                else_=sa.func.printf("%!.17g", column),
            )
        )
    return column
