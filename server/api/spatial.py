"""The spatial core's answers: where a point is routed, which enterprises a complaint may be
about (for an officer to confirm or reject), and the flags on complaints and visits."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from shapely.geometry import Point

from bureau.access import Action, allowed, authorize, people_scope
from bureau.errors import InvalidInput, NotFound
from bureau.flag_disclosure import CODES_NAMING_COMPLAINTS, disclose
from bureau.scope import desk_for
from bureau.vocabulary import COMPLAINT_CATEGORIES, require_choice
from gis.datum import to_wgs84
from gis.errors import GeometryError
from gis.geometry import point_ewkt, validate_lonlat
from schemas.spatial import (
    FlaggedVisitPage,
    FlagList,
    LinkDecisionIn,
    LinkList,
    LinkOut,
    ProjectResidentArgs,
    ProjectResidentPage,
    RouteArgs,
    RouteOut,
    VisitFlagArgs,
)
from server.api.common import asked_station, protected_blueprint, station_id_for_code
from server.api.paging import paginate, paginate_list
from server.auth import current_actor
from server.extensions import db
from server.models import (
    Complaint,
    ComplaintFlag,
    ComplaintLink,
    Enterprise,
    Station,
    Visit,
    VisitFlag,
)
from server.models.base import utcnow
from server.services.casework import record_link_decision
from server.services.spatial import (
    complaint_flags,
    residents_near_new_projects,
    spatial_settings,
    suggest_enterprises,
)
from server.services.station_locator import StationLocator
from server.services.sync_wire import wire_point
from server.settings import service_area

URL = ""
blp = protected_blueprint(
    "spatial", __name__, "Routing, suggested enterprises and flags", errors=(403,)
)


def _complaint(uid: str) -> Complaint:
    complaint = db.session.execute(
        sa.select(Complaint).where(Complaint.uid == uid.lower())
    ).scalar_one_or_none()
    if complaint is None:
        raise NotFound(f"No complaint has the id {uid}.")
    authorize(current_actor(), Action.READ_CASES, station_id=complaint.station_id)
    return complaint


def _disclosed(flags: list[dict]) -> list[dict]:
    """The flags as this account may see them (:func:`bureau.flag_disclosure.disclose`): a
    complaint of a station it may not read is counted, not named."""
    named = {
        str(f["related"]) for f in flags if f["code"] in CODES_NAMING_COMPLAINTS and f["related"]
    }
    if not named:
        return flags
    stations = dict(
        db.session.execute(
            sa.select(Complaint.uid, Complaint.station_id).where(Complaint.uid.in_(sorted(named)))
        ).all()
    )
    actor = current_actor()
    return disclose(
        flags,
        lambda uid: uid in stations
        and allowed(actor, Action.READ_CASES, station_id=stations[uid]),
    )


def _flag_out(flag: ComplaintFlag) -> dict:
    return {"code": flag.code, "reason": flag.reason, "measured": flag.measured,
            "related": flag.related}  # fmt: skip


def _enterprises(ids) -> dict[int, Enterprise]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Enterprise).where(Enterprise.id.in_(sorted(ids))))
    return {e.id: e for e in rows.unique().scalars()}


def _link_out(link: ComplaintLink, enterprise: Enterprise) -> dict:
    return {
        "id": link.id,
        "rank": link.rank,
        "status": link.status,
        "decided_by": link.decided_by,
        "decided_at": link.decided_at,
        "enterprise_id": enterprise.id,
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "industry": enterprise.industry,
        "distance_m": link.distance_m,
        "score": link.score,
        "reasons": link.reasons,
    }


@blp.get("/spatial/route")
@blp.arguments(RouteArgs, location="query")
@blp.response(200, RouteOut)
def route(args):
    """Where a complaint at this point would go, before it is registered: the station (or the
    county desk), the business desk, the enterprises it may be about, and its flags."""
    authorize(current_actor(), Action.READ_CASES, station_id=current_actor().station_id)
    category = require_choice(args["category"], COMPLAINT_CATEGORIES, "category")
    try:
        lon, lat = validate_lonlat(args["lon"], args["lat"], field="lon")
        if args["datum"] != "wgs84":
            lon, lat = to_wgs84(lon, lat, args["datum"])
        lon, lat = validate_lonlat(lon, lat, field="lon", service_area=service_area())
    except GeometryError as error:
        raise InvalidInput(
            error.reason, errors={"lon": [f"{error.reason} ({error.code})"]}
        ) from error
    decision = StationLocator.load().route(Point(lon, lat))
    settings = spatial_settings()
    suggestions = suggest_enterprises(category, lon, lat, settings)
    enterprises = _enterprises({s.enterprise_id for s in suggestions})
    probe = Complaint(
        uid="(not registered)",
        category=category,
        location=point_ewkt(lon, lat),
        received_at=utcnow(),
    )
    station = db.session.get(Station, decision.station_id) if decision.station_id else None
    return {
        "location": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "station": station,
        "destination": decision.destination,
        "reason": decision.reason,
        "overlapping": list(decision.overlapping),
        "desk": desk_for(category),
        "suggestions": [
            {
                **s.as_dict(),
                "credit_code": enterprises[s.enterprise_id].credit_code,
                "name": enterprises[s.enterprise_id].name,
                "industry": enterprises[s.enterprise_id].industry,
            }
            for s in suggestions
        ],
        "flags": _disclosed([f.as_dict() for f in complaint_flags(probe, settings)]),
    }


@blp.get("/complaints/<uid>/links")
@blp.response(200, LinkList)
def links(uid: str):
    """The enterprises suggested for a complaint, best first, with the officer's decisions."""
    complaint = _complaint(uid)
    rows = list(
        db.session.execute(
            sa.select(ComplaintLink)
            .where(ComplaintLink.complaint_id == complaint.id)
            .order_by(ComplaintLink.status != "confirmed", ComplaintLink.rank, ComplaintLink.id)
        ).scalars()
    )
    enterprises = _enterprises({link.enterprise_id for link in rows})
    return {
        "complaint_id": complaint.uid,
        "items": [_link_out(link, enterprises[link.enterprise_id]) for link in rows],
    }


@blp.route("/complaints/<uid>/links/<int:link_id>")
class LinkDecision(MethodView):
    @blp.arguments(LinkDecisionIn)
    @blp.response(200, LinkOut)
    def post(self, data, uid: str, link_id: int):
        """Confirm or reject a suggested enterprise; a decided link survives recomputation."""
        complaint = _complaint(uid)
        actor = current_actor()
        authorize(actor, Action.DECIDE_LINKS, station_id=complaint.station_id)
        link = db.session.get(ComplaintLink, link_id)
        if link is None or link.complaint_id != complaint.id:
            raise NotFound(f"Complaint {complaint.uid} has no suggested enterprise {link_id}.")
        link.status = data["decision"]
        link.decided_by = actor.user_id
        link.decided_at = utcnow()
        enterprise = db.session.get(Enterprise, link.enterprise_id)
        record_link_decision(complaint, link, enterprise, actor)
        db.session.flush()
        return _link_out(link, enterprise)


@blp.get("/complaints/<uid>/flags")
@blp.response(200, FlagList)
def flags(uid: str):
    """Why an officer should look again: near a new project, likely duplicate, rebound…"""
    complaint = _complaint(uid)
    rows = db.session.execute(
        sa.select(ComplaintFlag)
        .where(ComplaintFlag.complaint_id == complaint.id)
        .order_by(ComplaintFlag.id)
    ).scalars()
    return {"complaint_id": complaint.uid, "items": _disclosed([_flag_out(f) for f in rows])}


@blp.get("/visits/flags")
@blp.arguments(VisitFlagArgs, location="query")
@blp.response(200, FlaggedVisitPage)
def flagged_visits(args):
    """Visits whose GPS fix is doubtful, newest first, for the station head's review."""
    actor = current_actor()
    station_id = asked_station(args, actor.station_id)
    authorize(actor, Action.READ_CASES, station_id=station_id)
    flagged = sa.select(VisitFlag.visit_id)
    if "code" in args:
        flagged = flagged.where(VisitFlag.code == args["code"])
    query = sa.select(Visit).where(Visit.id.in_(flagged))
    if station_id is not None:
        query = query.where(Visit.station_id == station_id)
    visits, page = paginate(
        query.order_by(Visit.visited_at.desc(), Visit.id.desc()),
        page=args["page"],
        size=args["page_size"],
    )
    by_visit: dict[int, list] = {}
    if visits:
        for flag in db.session.execute(
            sa.select(VisitFlag)
            .where(VisitFlag.visit_id.in_([v.id for v in visits]))
            .order_by(VisitFlag.id)
        ).scalars():
            by_visit.setdefault(flag.visit_id, []).append(flag)
    return {
        "items": [
            {
                "visit_id": v.uid,
                "station_id": v.station_id,
                "inspector_id": v.inspector_id,
                "visited_at": v.visited_at,
                "target_kind": v.target_kind,
                "target_ref": v.target_ref,
                "location": wire_point(v.location),
                "flags": by_visit.get(v.id, []),
            }
            for v in visits
        ],
        "page": page,
    }


@blp.get("/spatial/project-residents")
@blp.arguments(ProjectResidentArgs, location="query")
@blp.response(200, ProjectResidentPage)
def project_residents(args):
    """Must-visit people living near new construction projects, for the outreach rosters."""
    actor = current_actor()
    station_id = people_scope(actor)
    if "station" in args:
        wanted = station_id_for_code(args["station"])
        authorize(actor, Action.READ_PEOPLE, station_id=wanted)
        station_id = wanted
    found = residents_near_new_projects(spatial_settings(), station_id)
    rows, page = paginate_list(found, page=args["page"], size=args["page_size"])
    return {
        "items": [
            {
                "person_ref": person.ref,
                "name": person.name,
                "category": person.category,
                "phone": person.phone,
                "station": person.station,
                "project_id": project.id,
                "approval_number": project.approval_number,
                "project_name": project.name,
                "project_status": project.status,
                "distance_m": distance,
            }
            for person, project, distance in rows
        ],
        "page": page,
    }
