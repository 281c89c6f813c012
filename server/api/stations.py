"""乡镇环境管理站: township stations and their areas."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from bureau.access import Action, authorize
from bureau.registry import station_from_mapping
from schemas.common import PageArgs
from schemas.registry import StationCollection, StationFeature
from server.api.common import get_or_404, protected_blueprint, record_from_feature
from server.api.paging import paginate
from server.auth import current_actor
from server.extensions import db
from server.models import Station
from server.services.registry import create_record

URL = "/stations"
blp = protected_blueprint(
    "stations",
    __name__,
    description="Township environmental stations (乡镇环境管理站)",
    errors=(403,),
)


@blp.route("")
class Stations(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, StationCollection)
    def get(self, args):
        """List stations with their areas."""
        authorize(current_actor(), Action.READ_REGISTRY)
        rows, page = paginate(
            sa.select(Station).order_by(Station.code), page=args["page"], size=args["page_size"]
        )
        return {"features": rows, "page": page}

    @blp.arguments(StationFeature)
    @blp.response(201, StationFeature)
    @blp.errors(409)
    def post(self, feature):
        """Create a station with its area (a polygon without self-intersections)."""
        authorize(current_actor(), Action.WRITE_REGISTRY)
        row = create_record("stations", record_from_feature(station_from_mapping, feature))
        db.session.flush()
        return row


@blp.route("/<int:station_id>")
class StationById(MethodView):
    @blp.response(200, StationFeature)
    def get(self, station_id: int):
        """One station."""
        authorize(current_actor(), Action.READ_REGISTRY)
        return get_or_404(Station, station_id, "station")
