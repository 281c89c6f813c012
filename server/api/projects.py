"""新建项目: construction projects whose neighbours must be visited."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from bureau.access import Action, authorize
from bureau.registry import project_from_mapping
from schemas.registry import ProjectCollection, ProjectFeature, ProjectListArgs
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
from server.models import Project
from server.services.outreach import refresh_current_rosters
from server.services.registry import create_record

URL = "/projects"
blp = protected_blueprint(
    "projects", __name__, "New construction projects (新建项目)", errors=(403,)
)


@blp.route("")
class Projects(MethodView):
    @blp.arguments(ProjectListArgs, location="query")
    @blp.response(200, ProjectCollection)
    def get(self, args):
        """List projects, filtered by map box, station or status."""
        authorize(current_actor(), Action.READ_REGISTRY)
        query = bbox_filter(sa.select(Project), Project.footprint, args.get("bbox"))
        if "station" in args:
            query = query.where(Project.station_id == station_id_for_code(args["station"]))
        if "status" in args:
            query = query.where(Project.status == args["status"])
        rows, page = paginate(query.order_by(Project.id), page=args["page"], size=args["page_size"])
        return {"features": rows, "page": page}

    @blp.arguments(ProjectFeature)
    @blp.response(201, ProjectFeature)
    @blp.errors(409)
    def post(self, feature):
        """Register a project with its footprint (a polygon, or a point when only that is known)."""
        authorize(current_actor(), Action.WRITE_REGISTRY)
        row = create_record("projects", record_from_feature(project_from_mapping, feature))
        refresh_current_rosters()  # who must be visited follows the registry
        db.session.flush()
        return row


@blp.route("/<int:project_id>")
class ProjectById(MethodView):
    @blp.response(200, ProjectFeature)
    def get(self, project_id: int):
        """One project."""
        authorize(current_actor(), Action.READ_REGISTRY)
        return get_or_404(Project, project_id, "project")
