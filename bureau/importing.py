"""Reading registry import files row by row, framework-free.

A county's registry arrives as files that people made: CSV saved from Excel (with or without
a byte-order mark, sometimes still in GBK), or GeoJSON exported from a GIS. This module turns
such a file into a stream of :class:`RowResult` — one per data row, each either a validated
record or the list of what is wrong with it — so that an importer can report every bad row at
once, apply the good ones, and show progress on files of tens of thousands of rows without
holding them all in memory.

Problems with the file as a whole (not UTF-8, not JSON, not a FeatureCollection, required
columns missing) raise :class:`ImportFileError` *when :func:`read_rows` is called*, before the
first row is handed out, so that a caller never applies half a file it cannot read.

Formats, chosen by extension:

``.csv``
    UTF-8, header row (names are case-insensitive). Points come from ``lon``/``lat`` (or
    ``longitude``/``latitude``) columns, areas and footprints from a ``wkt`` column. An
    optional ``datum`` column (``wgs84``, ``gcj02``, ``bd09``; default ``wgs84``) says which
    coordinate system the row's coordinates are in. ``line`` is the physical line number in the
    file (the header is line 1; a quoted value spanning lines counts every line).
``.geojson`` / ``.json``
    A FeatureCollection; each feature's properties are the row and its geometry the position or
    area. The datum comes from a ``datum`` property, else a top-level ``"datum"`` member, else
    WGS-84. ``line`` is the 1-based feature number. GeoJSON is parsed whole (the stdlib has no
    streaming JSON parser); at a few hundred bytes a feature, 10,000 features is a few MB.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from bureau.credit_code import normalize_credit_code
from bureau.errors import InvalidInput
from bureau.fields import FieldErrors, RowReader, is_blank
from bureau.locations import (
    DATUMS,
    DEFAULT_DATUM,
    LAT_COLUMNS,
    LON_COLUMNS,
    convert_geometry,
    normalize_datum,
    read_datum,
    record_geometry_error,
)
from bureau.registry import (
    Record,
    enterprise_from_mapping,
    person_from_mapping,
    project_from_mapping,
    station_from_mapping,
)
from gis.errors import GeometryError
from gis.geometry import BBox, parse_geojson_geometry

__all__ = [
    "CSV_REQUIRED_COLUMNS",
    "KEY_FIELDS",
    "KINDS",
    "ImportFileError",
    "RowResult",
    "count_rows",
    "read_rows",
]

KINDS: tuple[str, ...] = ("stations", "enterprises", "projects", "people")

KEY_FIELDS: Mapping[str, str] = {
    "stations": "code",
    "enterprises": "credit_code",
    "projects": "approval_number",
    "people": "ref",
}
"""The column holding each kind's natural key; a repeated key within one file is an error."""

CSV_REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "stations": ("code", "name", "wkt"),
    "enterprises": ("credit_code", "name", "address", "industry"),
    "projects": ("approval_number", "name", "status"),
    "people": ("ref", "name", "category"),
}
"""Columns a CSV file must have (besides position columns, checked per kind)."""

_GEOMETRY_TYPES: Mapping[str, tuple[str, ...]] = {
    "stations": ("Polygon", "MultiPolygon"),
    "enterprises": ("Point",),
    "projects": ("Point", "Polygon", "MultiPolygon"),
    "people": ("Point",),
}

_VALIDATORS: Mapping[str, Callable[..., Record]] = {
    "stations": station_from_mapping,
    "enterprises": enterprise_from_mapping,
    "projects": project_from_mapping,
    "people": person_from_mapping,
}

_CSV_SUFFIXES = (".csv",)
_GEOJSON_SUFFIXES = (".geojson", ".json")
_CHUNK = 1 << 20
_CSV_FIELD_LIMIT = 16 << 20
"""Station boundaries in a WKT cell easily exceed csv's default 128 KB field limit."""
_SPACES = re.compile(r"\s+")


class ImportFileError(InvalidInput):
    """The file cannot be read as an import file at all; no row of it was used."""

    code = "invalid_import_file"


@dataclass(frozen=True)
class RowResult:
    """One data row of an import file: its record, or why it has none.

    ``line`` locates the row for whoever fixes the file (a CSV line number or a feature
    number); ``key`` is the row's natural key when it could be read, even if the row is
    otherwise wrong, so that a report can name it.
    """

    line: int
    key: str | None
    record: Record | None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.errors


@dataclass(frozen=True)
class _RawRow:
    line: int
    data: Mapping[str, object]
    geometry: BaseGeometry | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    default_datum: str = DEFAULT_DATUM
    malformed: bool = False
    """The row is not even shaped like a row; report ``problems`` alone, validate nothing."""


def read_rows(
    path: str | Path, kind: str, *, service_area: BBox | None = None
) -> Iterator[RowResult]:
    """Validate ``path`` as a file of ``kind`` and return an iterator over its rows.

    File-level checks happen now and raise :class:`ImportFileError`; row problems come back
    in each :class:`RowResult`. Points of enterprises and people (and project and station
    geometry) must lie in ``service_area`` when one is given.
    """
    if kind not in KINDS:
        raise ImportFileError(
            f"unknown kind {kind!r}; must be one of: {', '.join(KINDS)}",
            errors={"kind": [f"must be one of: {', '.join(KINDS)}"]},
        )
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path.name}: no such file")
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        raw_rows = _csv_rows(path, kind)
    elif suffix in _GEOJSON_SUFFIXES:
        raw_rows = _geojson_rows(path, kind)
    else:
        raise ImportFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'!r}; "
            "use .csv, .geojson or .json"
        )
    return _results(raw_rows, kind, service_area)


def count_rows(path: str | Path) -> int:
    """A cheap estimate of the number of data rows, for a progress bar.

    CSV: physical lines after the header (a value spanning lines counts more than once).
    GeoJSON: occurrences of ``"Feature"``. Neither parses the file.
    """
    path = Path(path)
    if path.suffix.lower() in _GEOJSON_SUFFIXES:
        return _count_bytes(path, b'"Feature"')
    lines = _count_bytes(path, b"\n")
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                lines += 1
    return max(lines - 1, 0)


# --------------------------------------------------------------------------- rows → records


def _results(
    raw_rows: Iterator[_RawRow], kind: str, service_area: BBox | None
) -> Iterator[RowResult]:
    validate = _VALIDATORS[kind]
    key_field = KEY_FIELDS[kind]
    first_seen: dict[str, int] = {}
    for raw in raw_rows:
        key = _raw_key(kind, raw.data.get(key_field))
        record: Record | None
        errors: dict[str, list[str]]
        if raw.malformed:
            yield RowResult(line=raw.line, key=None, record=None, errors=dict(raw.problems))
            continue
        try:
            record = validate(
                raw.data,
                raw.geometry,
                service_area=service_area,
                default_datum=raw.default_datum,
                problems=raw.problems,
            )
            errors = {}
            key = record.key
        except InvalidInput as exc:
            record, errors = None, exc.errors
        if key is not None:
            if key in first_seen:
                errors = {**errors}
                errors.setdefault(key_field, []).append(f"duplicate of line {first_seen[key]}")
                record = None
            else:
                first_seen[key] = raw.line
        yield RowResult(line=raw.line, key=key, record=record, errors=errors)


def _raw_key(kind: str, value: object) -> str | None:
    """The key as the validator would normalize it, for rows that fail validation."""
    if is_blank(value) or not isinstance(value, str | int) or isinstance(value, bool):
        return None
    if kind == "enterprises":
        return normalize_credit_code(str(value))
    return _SPACES.sub(" ", str(value)).strip()


# --------------------------------------------------------------------------- CSV


def _csv_rows(path: Path, kind: str) -> Iterator[_RawRow]:
    _check_utf8(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header_cells = next(csv.reader(handle), None)
        except csv.Error as exc:
            raise ImportFileError(f"{path.name}: cannot read the header row: {exc}") from None
    if not header_cells or all(not cell.strip() for cell in header_cells):
        raise ImportFileError(
            f"{path.name}: the file is empty or its first line is blank; expected a header row"
        )
    header = [cell.strip().lower() for cell in header_cells]
    named = [name for name in header if name]
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        raise ImportFileError(
            f"{path.name}: column(s) appear more than once: {', '.join(repeated)}"
        )
    missing = _missing_columns(kind, set(named))
    if missing:
        raise ImportFileError(
            f"{path.name}: missing required column(s) for {kind}: {', '.join(missing)}",
            errors={"columns": [f"missing: {name}" for name in missing]},
        )
    return _csv_body(path, header)


def _missing_columns(kind: str, columns: set[str]) -> list[str]:
    missing = [name for name in CSV_REQUIRED_COLUMNS[kind] if name not in columns]
    has_lon = any(name in columns for name in LON_COLUMNS)
    has_lat = any(name in columns for name in LAT_COLUMNS)
    if kind == "enterprises":
        if not has_lon:
            missing.append("lon (or longitude)")
        if not has_lat:
            missing.append("lat (or latitude)")
    if kind == "projects" and "wkt" not in columns and not (has_lon and has_lat):
        missing.append("wkt (or lon and lat)")
    return missing


def _csv_body(path: Path, header: list[str]) -> Iterator[_RawRow]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    width = len(header)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header, already checked
        last_line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"{path.name}: line {last_line + 1} cannot be read as CSV: {exc}"
                ) from None
            line, last_line = last_line + 1, reader.line_num
            if all(not cell.strip() for cell in cells):
                continue  # blank lines are layout, not rows
            data = {name: cell for name, cell in zip(header, cells, strict=False) if name}
            problems: dict[str, list[str]] = {}
            extra = [cell for cell in cells[width:] if cell.strip()]
            if extra:
                problems["row"] = [
                    f"{len(cells)} values but the header has {width} columns; "
                    "check for an unquoted comma"
                ]
            yield _RawRow(line=line, data=data, problems=problems)


def _check_utf8(path: Path) -> None:
    """Raise :class:`ImportFileError` unless the whole file is UTF-8, reading it in chunks.

    Checked up front so that a stray byte at row 9,000 cannot stop an import half applied.
    Chinese Windows Excel saves "CSV" as GBK; that case gets a message saying how to fix it.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                position = offset + max(exc.start, 0)
                raise ImportFileError(_not_utf8_message(path, position)) from None
            if not chunk:
                return
            offset += len(chunk)


def _not_utf8_message(path: Path, position: int) -> str:
    with path.open("rb") as handle:
        head = handle.read(position + 1)
        sample = head + handle.read(4096)
    line = head.count(b"\n") + 1
    message = (
        f"{path.name} is not UTF-8 text: byte 0x{head[position]:02X} on line {line} "
        "cannot be decoded"
    )
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError:
        return message + "; save the file as UTF-8 and import it again"
    return message + (
        "; it looks like GBK/GB18030 (what Excel on Chinese Windows saves as 'CSV'); "
        "save it as 'CSV UTF-8' and import it again"
    )


# --------------------------------------------------------------------------- GeoJSON


def _geojson_rows(path: Path, kind: str) -> Iterator[_RawRow]:
    _check_utf8(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise ImportFileError(
            f"{path.name}: expected a GeoJSON FeatureCollection, found {found!r}; "
            'the file must be {"type": "FeatureCollection", "features": [...]}'
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportFileError(f'{path.name}: the FeatureCollection has no "features" list')
    default_datum = DEFAULT_DATUM
    if "datum" in document:
        datum = normalize_datum(document["datum"])
        if datum is None:
            raise ImportFileError(
                f"{path.name}: unknown datum {document['datum']!r}; "
                f"must be one of: {', '.join(DATUMS)}"
            )
        default_datum = datum
    return _geojson_body(features, kind, default_datum)


def _geojson_body(features: list[Any], kind: str, default_datum: str) -> Iterator[_RawRow]:
    allowed = _GEOMETRY_TYPES[kind]
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            yield _RawRow(
                line=number,
                data={},
                problems={"feature": ["not a GeoJSON Feature object"]},
                malformed=True,
            )
            continue
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            yield _RawRow(
                line=number,
                data={},
                problems={"properties": ["must be an object or null"]},
                malformed=True,
            )
            continue
        errors = FieldErrors()
        datum = read_datum(RowReader(properties, errors), default_datum) or default_datum
        geometry = None
        raw_geometry = feature.get("geometry")
        if raw_geometry is not None:
            try:
                geometry = parse_geojson_geometry(raw_geometry, allowed=allowed, field="geometry")
            except GeometryError as exc:
                record_geometry_error(errors, "geometry", exc)
            else:
                if not errors.has("datum"):  # else the row fails on its datum anyway
                    geometry = convert_geometry(geometry, datum)
        yield _RawRow(
            line=number,
            data=properties,
            geometry=geometry,
            problems=errors.as_dict(),
            default_datum=datum,
        )


def _count_bytes(path: Path, needle: bytes) -> int:
    count = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            data = tail + chunk
            count += data.count(needle)
            # Keep a needle-sized overlap, minus one byte so a match is never counted twice.
            tail = data[-(len(needle) - 1) :] if len(needle) > 1 else b""
    return count
