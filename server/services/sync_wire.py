"""Each synced entity's wire record, declared once and rendered two ways.

A wire record is ``{"id": uid, "version": n, …fields…}`` (docs/sync-protocol.md §2). It is
built in Python for push answers, merges and conflict reviews, and in SQL for pulls: a pull
page holds up to a thousand records, and having the database write each one's JSON costs a
fraction of decoding the columns into Python objects and encoding them again. Both renderings
come from the same field list below, and ``tests/integration/test_sync_wire.py`` holds them to
the same values on both backends, value for value: timestamps as
``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, points as GeoJSON with seven decimals, floats exact,
booleans as booleans.

On PostgreSQL the record is one string concatenation, ``'{"id":' || to_json(uid)::text ||
',"version":' || version::text || …``, not ``json_build_object``: that function looks up how
to write each of its arguments, field names included, on every row, and the lookups cost more
than the writing. Server time for 10,000 visit rows (PostgreSQL 15, EXPLAIN ANALYZE, best of
5): ``json_build_object`` 33 ms (32 with the timestamp below), ``row_to_json`` of a subselect
25 ms, the concatenation 17 ms, the bare columns 2 ms; a page of 1,000 changes went from 3.7 to
2.1 ms. SQLite's ``json_object`` has no such cost and stays: there the same concatenation
is slower (10,000 visit rows read in process: 39 ms with ``json_object``, 48 ms concatenated).
"""

from __future__ import annotations

import json
import operator
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape

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
    if dialect == "postgresql":
        return _pg_record(entity, columns)
    pairs: list[Any] = []
    for f in WIRE_FIELDS[entity]:
        pairs += [sa.literal(f.name), _sqlite_value(f.kind, columns[f.column])]
    return sa.func.json_object(*pairs, type_=sa.Text)


def _pg_record(entity: str, columns: dict[str, Any]) -> sa.ColumnElement[str]:
    """``'{"id":' || to_json(uid)::text || ',"version":' || version::text || … || '}'``.

    One concatenation per row: each value written as JSON text by the cheapest function that
    is exact for its type, a nullable column's NULL written ``null`` (in SQL, ``'x' || NULL``
    is NULL: a record left NULL would read as a deletion). Which columns are nullable is the
    models' word; ``test_sync_wire`` holds the migrated schema to it.
    """
    pieces: list[str | sa.ColumnElement[str]] = []
    for n, f in enumerate(WIRE_FIELDS[entity]):
        column = columns[f.column]
        pieces.append(("{" if n == 0 else ",") + json.dumps(f.name) + ":")
        value = _pg_value(f.kind, column)
        if column.nullable:
            pieces.append(sa.func.coalesce(_pg_join(value), _pg_text("null"), type_=sa.Text))
        else:
            pieces += value
    pieces.append("}")
    return _pg_join(pieces)


def _pg_value(kind: str, column: Any) -> list[str | sa.ColumnElement[str]]:
    """The JSON text of ``column`` (when not NULL) as pieces to join; a ``str`` is a constant.

    None of these depends on session settings but floats, which print shortest and exact
    while ``extra_float_digits`` is above 0 (the default 1; 0 would round them to 15 digits).
    """
    if kind == "time":
        # In UTC by a fixed offset (no zone lookup, whatever TimeZone says), by one to_char
        # (not DateStyle's text form); a fraction of .000000 is dropped, any other kept whole.
        # to_char is NULL only for ±infinity, which Python cannot hold and no write stores.
        utc = sa.func.timezone(sa.literal_column("INTERVAL '0'"), column)
        text = sa.func.to_char(utc, _pg_text('YYYY-MM-DD"T"HH24:MI:SS.US'), type_=sa.Text)
        return ['"', sa.func.replace(text, _pg_text(".000000"), _pg_text(""), type_=sa.Text), 'Z"']
    if kind == "point":
        decimals = sa.literal_column(str(POINT_DECIMALS))
        return [sa.func.ST_AsGeoJSON(column, decimals, type_=sa.Text)]
    if kind in ("float", "bool", "json"):
        # float8 prints shortest and exact (finite ones: NaN would not be JSON, and the only
        # float column takes finite values only), a boolean true/false, json as stored
        return [sa.cast(column, sa.Text)]
    if isinstance(column.type, sa.Integer):
        return [sa.cast(column, sa.Text)]
    if isinstance(column.type, sa.String):
        return [sa.cast(sa.func.to_json(column), sa.Text)]  # quoted and escaped
    raise TypeError(f"no JSON rendering for {column} ({column.type})")


def _pg_text(value: str) -> sa.ColumnElement[str]:
    """A fixed string (field names, formats) written into the statement as a constant."""
    if "\\" in value:  # would read differently with standard_conforming_strings off
        raise ValueError(f"no backslashes in SQL constants: {value!r}")
    return sa.literal_column("'" + value.replace("'", "''") + "'", sa.Text)


def _pg_join(pieces: list[str | sa.ColumnElement[str]]) -> sa.ColumnElement[str]:
    """``a || b || …``, adjacent constants merged into one."""
    merged: list[str | sa.ColumnElement[str]] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    exprs = [_pg_text(p) if isinstance(p, str) else p for p in merged]
    out = exprs[0]
    for expr in exprs[1:]:
        out = out.concat(expr)  # associative: written without nested parentheses
    return out


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
