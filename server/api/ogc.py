"""OGC API – Features (Part 1: Core, GeoJSON) at ``/ogc``: the bureau's map layers, read-only.

QGIS and GDAL read these directly ("WFS / OGC API – Features" in QGIS, the ``OAPIF`` driver in
GDAL). Every request needs a device token like the rest of the API; GIS tools send it as a
header (GDAL: ``--config GDAL_HTTP_HEADERS "Authorization: Bearer fs_…"``; QGIS: an "API
header" authentication configuration).

The layers are flat on purpose (GIS tools show one column per property): stations,
enterprises, projects and complaints. The complaints layer carries what a map needs (category,
status, channel, dates, station) and nothing about the complainant; enterprise contacts are
left out too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request, url_for
from geoalchemy2.shape import to_shape

from bureau.access import Action, authorize
from bureau.errors import InvalidInput, NotFound
from gis.errors import GeometryError
from gis.geometry import parse_bbox, to_geojson
from gis.spatial_sql import intersects_bbox
from server.auth import authenticate_request, current_actor
from server.extensions import db
from server.models import Complaint, Enterprise, Project, Station
from server.services.sync_wire import wire_time

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]

blp = Blueprint("ogc", __name__, url_prefix="/ogc")
blp.before_request(authenticate_request)


@blp.before_request
def _may_read() -> None:
    authorize(current_actor(), Action.READ_REGISTRY)


def _station(row) -> dict[str, Any]:
    station = getattr(row, "station", None)
    return {
        "station_code": station.code if station else None,
        "station_name": station.name if station else None,
    }


def _iso(value: date | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return wire_time(value.astimezone(UTC))
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Layer:
    id: str
    title: str
    description: str
    model: type
    geometry: str
    #: the column a feature is addressed by in ``/items/{featureId}``
    key: str
    properties: Callable[[Any], dict[str, Any]]
    #: rows this layer never shows (e.g. complaints without a location)
    where: Callable[[], Any] | None = None
    #: station-bound accounts see only their station's features
    scoped: bool = False

    def column(self, name: str):
        return getattr(self.model, name)

    def select(self) -> sa.Select:
        query = sa.select(self.model)
        if self.where is not None:
            query = query.where(self.where())
        station_id = current_actor().station_id
        if self.scoped and station_id is not None:
            query = query.where(self.model.station_id == station_id)
        return query


LAYERS: dict[str, Layer] = {
    layer.id: layer
    for layer in (
        Layer(
            "stations",
            "Township stations (环保站)",
            "The area each township station is responsible for.",
            Station,
            "area",
            "id",
            lambda r: {"code": r.code, "name": r.name, "version": r.version},
        ),
        Layer(
            "enterprises",
            "Enterprises (企业)",
            "Mapped enterprises with their industry, pollutants and key-enterprise flag.",
            Enterprise,
            "location",
            "id",
            lambda r: {
                "credit_code": r.credit_code,
                "name": r.name,
                "address": r.address,
                "industry": r.industry,
                "pollutants": ",".join(r.pollutants or []),
                "is_key": r.is_key,
                **_station(r),
            },
        ),
        Layer(
            "projects",
            "Construction projects (建设项目)",
            "Projects with their environmental approval and status.",
            Project,
            "footprint",
            "id",
            lambda r: {
                "approval_number": r.approval_number,
                "name": r.name,
                "status": r.status,
                "approved_on": _iso(r.approved_on),
                "starts_on": _iso(r.starts_on),
                "ends_on": _iso(r.ends_on),
                "developer": r.developer,
                **_station(r),
            },
        ),
        Layer(
            "complaints",
            "Complaints (信访投诉)",
            "Where complaints came from, by category and status; no complainant data.",
            Complaint,
            "location",
            "uid",
            lambda r: {
                "uid": r.uid,
                "category": r.category,
                "channel": r.channel,
                "status": r.status,
                "received_at": _iso(r.received_at),
                "station_id": r.station_id,
            },
            where=lambda: Complaint.location.is_not(None),
            scoped=True,
        ),
    )
}


def _json(body: dict, mimetype: str = "application/json") -> Response:
    return current_app.response_class(current_app.json.dumps(body), mimetype=mimetype, status=200)


def _link(href: str, rel: str, kind: str = "application/json", title: str | None = None):
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _extent() -> dict[str, Any]:
    area = parse_bbox(current_app.config["FIELDSYNC"]["SERVICE_AREA_BBOX"], "SERVICE_AREA_BBOX")
    return {
        "spatial": {
            "bbox": [list(area.as_tuple())],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        }
    }


def _describe(layer: Layer) -> dict[str, Any]:
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": _extent(),
        "links": [
            _link(_url("ogc.collection", collection_id=layer.id), "self"),
            _link(_url("ogc.items", collection_id=layer.id), "items", GEOJSON, layer.title),
        ],
    }


def _layer(collection_id: str) -> Layer:
    layer = LAYERS.get(collection_id)
    if layer is None:
        raise NotFound(
            f"No collection {collection_id!r}; there are: {', '.join(LAYERS)}.",
        )
    return layer


def _feature(layer: Layer, row) -> dict[str, Any]:
    value = getattr(row, layer.geometry)
    return {
        "type": "Feature",
        "id": getattr(row, layer.key),
        "geometry": None if value is None else to_geojson(to_shape(value)),
        "properties": layer.properties(row),
    }


class BadParameter(InvalidInput):
    """OGC API answers 400 for a query parameter it cannot use (``invalid_parameter``)."""

    code = "invalid_parameter"


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise BadParameter(
            f"{name} must be a whole number between {low} and {high}.",
            errors={name: [f"must be between {low} and {high}"]},
        )
    return value


@blp.get("")
@blp.get("/")
def landing():
    """The landing page: what this service is and where to go next."""
    return _json(
        {
            "title": "fieldsync map layers",
            "description": "The bureau's stations, enterprises, projects and complaints.",
            "links": [
                _link(_url("ogc.landing"), "self"),
                _link(_url("ogc.conformance"), "conformance"),
                _link(_url("ogc.collections"), "data"),
            ],
        }
    )


@blp.get("/conformance")
def conformance():
    return _json({"conformsTo": CONFORMANCE})


@blp.get("/collections")
def collections():
    return _json(
        {
            "links": [_link(_url("ogc.collections"), "self")],
            "collections": [_describe(layer) for layer in LAYERS.values()],
        }
    )


@blp.get("/collections/<collection_id>")
def collection(collection_id: str):
    return _json(_describe(_layer(collection_id)))


@blp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """Features, ``limit`` at a time from ``offset``, optionally within ``bbox``."""
    layer = _layer(collection_id)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    query = layer.select()
    bbox_text = request.args.get("bbox")
    if bbox_text:
        try:
            box = parse_bbox(bbox_text, "bbox")
        except GeometryError as error:
            raise BadParameter(error.reason, errors={"bbox": [error.reason]}) from error
        query = query.where(intersects_bbox(layer.column(layer.geometry), box))
    matched = db.session.execute(
        sa.select(sa.func.count()).select_from(query.subquery())
    ).scalar_one()
    rows = (
        db.session.execute(query.order_by(layer.model.id).limit(limit).offset(offset))
        .unique()
        .scalars()
    )
    features = [_feature(layer, row) for row in rows]
    args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    links = [_link(_page_url(layer, args, offset, limit), "self", GEOJSON)]
    if offset + len(features) < matched:
        links.append(_link(_page_url(layer, args, offset + limit, limit), "next", GEOJSON))
    if offset > 0:
        links.append(_link(_page_url(layer, args, max(0, offset - limit), limit), "prev", GEOJSON))
    return _json(
        {
            "type": "FeatureCollection",
            "timeStamp": _iso(datetime.now(UTC)),
            "numberMatched": matched,
            "numberReturned": len(features),
            "features": features,
            "links": links,
        },
        GEOJSON,
    )


def _page_url(layer: Layer, args: dict, offset: int, limit: int) -> str:
    return _url("ogc.items", collection_id=layer.id, **args, offset=offset, limit=limit)


@blp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    layer = _layer(collection_id)
    key: Any = feature_id
    if layer.key == "id":
        if not feature_id.isdigit():
            raise NotFound(f"No {layer.id} feature {feature_id!r}.")
        key = int(feature_id)
    query = layer.select().where(layer.column(layer.key) == key)
    row = db.session.execute(query).unique().scalar_one_or_none()
    if row is None:
        raise NotFound(f"No {layer.id} feature {feature_id!r}.")
    feature = _feature(layer, row)
    feature["links"] = [
        _link(_url("ogc.item", collection_id=layer.id, feature_id=feature_id), "self", GEOJSON),
        _link(_url("ogc.collection", collection_id=layer.id), "collection"),
    ]
    return _json(feature, GEOJSON)
