"""Checks on already-built shapely geometries, shared by the GeoJSON and WKT readers.

Hand validation (in ``gis.geojson``) catches what a person can fix position by position;
this module adds what only GEOS can judge: self-intersecting rings, holes outside their
shell, overlapping parts of a multipolygon.  The GEOS explanation and its location are put
in the error so that an inspector or a GIS clerk can find the bad vertex on a map.
"""

from __future__ import annotations

import re

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gis.errors import INVALID_POLYGON, TOO_FEW_POINTS, UNSUPPORTED_GEOMETRY_TYPE, GeometryError

_EXPLANATION_RE = re.compile(r"^(?P<text>.*?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")


def check_valid(geom: BaseGeometry, field: str = "geometry") -> BaseGeometry:
    """Return ``geom`` if shapely considers it valid, else raise :class:`GeometryError`.

    The code is ``too_few_points`` when GEOS complains about a degenerate component (such as a
    line whose points are all equal) and ``invalid_polygon`` otherwise; the reason quotes
    :func:`shapely.validation.explain_validity` and its location.
    """
    if geom.is_valid:
        return geom
    explanation = explain_validity(geom)
    match = _EXPLANATION_RE.match(explanation)
    if match:
        text = match["text"]
        where = f" at or near ({match['x']}, {match['y']})"
    else:
        text, where = explanation, ""
    if text.lower().startswith("too few points"):
        raise GeometryError(
            TOO_FEW_POINTS,
            f"geometry is not valid: {text}{where}; every line and ring needs distinct points",
            field,
        )
    raise GeometryError(
        INVALID_POLYGON,
        f"{geom.geom_type} is not valid: {text}{where}; rings must not cross or touch "
        "themselves, holes must lie inside their shell, and polygon parts must not overlap",
        field,
    )


def as_multipolygon(geom: BaseGeometry, field: str = "geometry") -> MultiPolygon:
    """Promote a Polygon to a one-part MultiPolygon; pass a MultiPolygon through.

    Areas (station jurisdictions, project footprints) are stored in MULTIPOLYGON columns so
    that one column type holds both; anything else is ``unsupported_geometry_type``.
    """
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    kind = geom.geom_type if isinstance(geom, BaseGeometry) else type(geom).__name__
    raise GeometryError(
        UNSUPPORTED_GEOMETRY_TYPE,
        f"expected a Polygon or MultiPolygon area, got {kind}",
        field,
    )
