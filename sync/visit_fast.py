"""The common new visit, checked in one pass: the bulk path of a push.

A push of 500 visits spent more on the generic field validation (:func:`validate_fields`: a
spec lookup, a validator call and an exception frame per field, then the timestamp parsed a
second time for the row) than on writing the rows. Nearly every visit a phone sends has one
shape: a WGS-84 point inside the service area, a positive accuracy, a zoned timestamp, short
texts. :func:`quick_visit` checks exactly that shape inline and returns what
:func:`validate_fields` returns, plus the parsed time; anything else (a GCJ-02 datum, an
altitude, a bad value, an unknown field) gets ``None`` and goes the generic way, which names
its errors. It must never accept what the generic path refuses:
``tests/unit/sync/test_visit_fast.py`` holds the two to the same answers over generated input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gis.coordinates import MAX_ACCURACY_M
from sync.entities import ENTITIES, SHA256_HEX, VISIT_TARGETS, Context

_TARGETS = frozenset(VISIT_TARGETS)
#: the fields the fast path knows; a visit with any other goes the generic way
_FIELDS = frozenset(ENTITIES["visit"].create) - {"roster_entry_id"}
_REQUIRED = ("target_kind", "location", "accuracy_m", "visited_at")
#: longest texts, as the visit's field specs allow (``sync.entities``)
_TARGET_REF_MAX = 64
_FINDINGS_MAX = 4000


def quick_visit(fields: Any, ctx: Context) -> tuple[dict[str, Any], datetime] | None:
    """``(validate_fields(visit, "create", fields, ctx), visited_at as a UTC datetime)`` for
    a visit of the common shape, else ``None`` (validate it the generic way)."""
    if type(fields) is not dict or not fields.keys() <= _FIELDS:
        return None
    kind = fields.get("target_kind")
    if type(kind) is not str or kind not in _TARGETS:
        return None
    point = _point(fields.get("location"), ctx)
    if point is None:
        return None
    accuracy = fields.get("accuracy_m")
    if type(accuracy) is not float and type(accuracy) is not int:
        return None
    if not 0.0 < accuracy <= MAX_ACCURACY_M:  # NaN fails this too
        return None
    at = _utc_time(fields.get("visited_at"))
    if at is None:
        return None
    clean: dict[str, Any] = {
        "target_kind": kind,
        "location": point,
        "accuracy_m": float(accuracy),
        "visited_at": at.isoformat().replace("+00:00", "Z"),
    }
    if len(fields) > len(_REQUIRED) and not _optional(fields, clean):
        return None
    return clean, at


def _point(value: Any, ctx: Context) -> dict[str, Any] | None:
    """A plain WGS-84 ``{"type": "Point", "coordinates": [lon, lat]}`` that passes every
    position check, rounded as the generic path rounds it; else None."""
    if type(value) is not dict or len(value) != 2 or value.get("type") != "Point":
        return None
    coordinates = value.get("coordinates")
    if type(coordinates) is not list or len(coordinates) != 2:
        return None
    lon, lat = coordinates
    if (type(lon) is not float and type(lon) is not int) or (
        type(lat) is not float and type(lat) is not int
    ):
        return None
    lon, lat = float(lon), float(lat)
    # comparisons are false for NaN, so non-finite values fail here as well
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0) or (lon == 0.0 and lat == 0.0):
        return None
    area = ctx.service_area
    if area is not None and not area.contains(lon, lat):
        return None
    return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}


def _utc_time(value: Any) -> datetime | None:
    if type(value) is not str:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _optional(fields: dict[str, Any], clean: dict[str, Any]) -> bool:
    """Check and copy the optional fields into ``clean``; False when one needs the generic
    path."""
    for name in ("target_ref", "findings"):
        if name in fields:
            value = fields[name]
            if value is not None:
                if type(value) is not str:
                    return False
                value = value.strip()
                if len(value) > (_TARGET_REF_MAX if name == "target_ref" else _FINDINGS_MAX):
                    return False
            clean[name] = value
    if "photos" in fields:
        photos = fields["photos"]
        if photos is not None:
            if type(photos) is not list or len(photos) > 20:
                return False
            for item in photos:
                if type(item) is not str or not SHA256_HEX.fullmatch(item):
                    return False
            photos = list(photos)
        clean["photos"] = photos
    if "mock_location" in fields:
        mock = fields["mock_location"]
        if mock is not None and type(mock) is not bool:
            return False
        clean["mock_location"] = mock
    return True
