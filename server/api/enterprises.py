"""企业: the mapped enterprises, read by everyone, written by officers and the administrator."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from bureau.access import Action, authorize
from bureau.registry import enterprise_from_mapping
from schemas.registry import EnterpriseCollection, EnterpriseFeature, EnterpriseListArgs
from server.api.common import (
    bbox_filter,
    get_or_404,
    protected_blueprint,
    record_from_feature,
    station_id_for_code,
)
from server.api.paging import paginate
from server.auth import current_actor
from server.extensions import db
from server.models import Enterprise
from server.services.outreach import refresh_current_rosters
from server.services.registry import create_record

URL = "/enterprises"
blp = protected_blueprint("enterprises", __name__, "Mapped enterprises (企业)", errors=(403,))


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseListArgs, location="query")
    @blp.response(200, EnterpriseCollection)
    def get(self, args):
        """List enterprises, filtered by map box, station, industry, key flag or name."""
        authorize(current_actor(), Action.READ_REGISTRY)
        query = bbox_filter(sa.select(Enterprise), Enterprise.location, args.get("bbox"))
        if "station" in args:
            query = query.where(Enterprise.station_id == station_id_for_code(args["station"]))
        if "industry" in args:
            query = query.where(Enterprise.industry == args["industry"])
        if "is_key" in args:
            query = query.where(Enterprise.is_key == args["is_key"])
        if "q" in args:
            query = query.where(Enterprise.name.contains(args["q"], autoescape=True))
        rows, page = paginate(
            query.order_by(Enterprise.id), page=args["page"], size=args["page_size"]
        )
        return {"features": rows, "page": page}

    @blp.arguments(EnterpriseFeature)
    @blp.response(201, EnterpriseFeature)
    @blp.errors(409)
    def post(self, feature):
        """Register an enterprise; its station is the one whose area contains it."""
        authorize(current_actor(), Action.WRITE_REGISTRY)
        record = record_from_feature(enterprise_from_mapping, feature)
        row = create_record("enterprises", record)
        refresh_current_rosters()  # who must be visited follows the registry
        db.session.flush()
        return row


@blp.route("/<int:enterprise_id>")
class EnterpriseById(MethodView):
    @blp.response(200, EnterpriseFeature)
    def get(self, enterprise_id: int):
        """One enterprise."""
        authorize(current_actor(), Action.READ_REGISTRY)
        return get_or_404(Enterprise, enterprise_id, "enterprise")
