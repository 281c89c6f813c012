"""Outreach endpoints: rounds, their must-visit rosters and coverage, and the review of visits."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView

from bureau.access import Action, authorize
from bureau.errors import NotFound
from bureau.outreach import check_review, check_round, coverage_csv, coverage_svg, year_check
from bureau.vocabulary import FIVE_ENTERS, MUST_VISIT_CATEGORIES
from schemas.outreach import (
    CoverageArgs,
    RecomputeOut,
    ReviewIn,
    ReviewOut,
    ReviewQueueArgs,
    ReviewQueuePage,
    RosterArgs,
    RosterPage,
    RoundArgs,
    RoundIn,
    RoundOut,
    RoundPage,
)
from server.api.common import (
    asked_station,
    protected_blueprint,
    station_id_for_code,
    user_named,
    usernames,
)
from server.api.paging import paginate
from server.auth import current_actor
from server.extensions import db
from server.models import OutreachRound, RosterEntry, Visit, VisitFlag, VisitReview
from server.models.base import utcnow
from server.services.casework import station_codes
from server.services.outreach import as_round, compute_roster, round_coverage

URL = ""
blp = protected_blueprint(
    "outreach", __name__, "Outreach rounds, rosters, reviews, coverage", errors=(403,)
)


def _round(round_id: int) -> OutreachRound:
    row = db.session.get(OutreachRound, round_id)
    if row is None:
        raise NotFound(f"No outreach round has the id {round_id}.")
    return row


def _year_rounds(year: int) -> dict:
    rows = db.session.execute(sa.select(OutreachRound)).scalars()
    return year_check([as_round(r) for r in rows], year)


def _round_out(row: OutreachRound) -> dict:
    codes = station_codes()
    counts = Counter(
        db.session.execute(
            sa.select(RosterEntry.status).where(RosterEntry.round_id == row.id)
        ).scalars()
    )
    return {
        "id": row.id,
        "name": row.name,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "stations": [codes.get(s, str(s)) for s in row.station_ids],
        "enters": list(row.enters),
        "roster_at": row.roster_at,
        "roster": {k: counts.get(k, 0) for k in ("due", "visited", "dropped")},
        "year_check": _year_rounds(row.starts_on.year),
    }


@blp.route("/outreach/rounds")
class Rounds(MethodView):
    @blp.arguments(RoundArgs, location="query")
    @blp.response(200, RoundPage)
    def get(self, args):
        """Outreach rounds, in date order; with ``year``, that year's and whether it has the
        four rounds it must."""
        authorize(current_actor(), Action.READ_CASES, station_id=current_actor().station_id)
        query = sa.select(OutreachRound)
        if "year" in args:
            year = args["year"]  # dates, not text: PostgreSQL will not compare date and varchar
            query = query.where(
                OutreachRound.starts_on >= date(year, 1, 1),
                OutreachRound.starts_on <= date(year, 12, 31),
            )
        rows, page = paginate(
            query.order_by(OutreachRound.starts_on, OutreachRound.id),
            page=args["page"],
            size=args["page_size"],
        )
        return {
            "items": [_round_out(r) for r in rows],
            "page": page,
            "year_check": _year_rounds(args["year"]) if "year" in args else None,
        }

    @blp.arguments(RoundIn)
    @blp.response(201, RoundOut)
    def post(self, data):
        """Plan a round: its period, stations and the five enters it targets. Its must-visit
        roster is computed at once and split among each station's inspectors."""
        actor = current_actor()
        authorize(actor, Action.PLAN_OUTREACH)
        station_ids = [station_id_for_code(code, "stations") for code in data["stations"]]
        name, starts_on, ends_on, stations, enters = check_round(
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            station_ids=station_ids,
            enters=data["enters"],
        )
        row = OutreachRound(
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            station_ids=list(stations),
            enters=list(enters),
            created_by=actor.user_id,
        )
        db.session.add(row)
        db.session.flush()
        compute_roster(row)
        db.session.flush()
        return _round_out(row)


@blp.get("/outreach/rounds/<int:round_id>")
@blp.response(200, RoundOut)
def round_detail(round_id: int):
    """One round, with how many entries are due, visited and dropped."""
    authorize(current_actor(), Action.READ_CASES, station_id=current_actor().station_id)
    return _round_out(_round(round_id))


@blp.post("/outreach/rounds/<int:round_id>/roster")
@blp.response(200, RecomputeOut)
def recompute(round_id: int):
    """Recompute the round's roster now (it is also recomputed after registry and casework
    changes while the round is under way): no entry twice, no visit lost."""
    authorize(current_actor(), Action.PLAN_OUTREACH)
    counts = compute_roster(_round(round_id))
    db.session.flush()
    return counts


@blp.get("/outreach/rounds/<int:round_id>/roster")
@blp.arguments(RosterArgs, location="query")
@blp.response(200, RosterPage)
def roster(args, round_id: int):
    """The round's must-visit roster, with each entry's reason, inspector and visit."""
    actor = current_actor()
    row = _round(round_id)
    station_id = asked_station(args, actor.station_id)
    authorize(actor, Action.READ_PEOPLE, station_id=station_id)
    query = sa.select(RosterEntry).where(RosterEntry.round_id == row.id)
    if station_id is not None:
        query = query.where(RosterEntry.station_id == station_id)
    if "inspector" in args:
        query = query.where(
            RosterEntry.assigned_to == user_named(args["inspector"], "inspector").id
        )
    if "status" in args:
        query = query.where(RosterEntry.status == args["status"])
    entries, page = paginate(
        query.order_by(
            RosterEntry.station_id, RosterEntry.category, RosterEntry.name, RosterEntry.id
        ),
        page=args["page"],
        size=args["page_size"],
    )
    names = usernames(e.assigned_to for e in entries)
    visits = dict(
        db.session.execute(
            sa.select(Visit.id, Visit.uid).where(
                Visit.id.in_([e.visit_id for e in entries if e.visit_id])
            )
        ).all()
    )
    reviews = dict(
        db.session.execute(
            sa.select(VisitReview.visit_id, VisitReview.status).where(
                VisitReview.visit_id.in_(list(visits))
            )
        ).all()
    )
    return {
        "items": [
            {
                "id": e.uid,
                "station_id": e.station_id,
                "subject_key": e.subject_key,
                "category": e.category,
                "enter": e.enter,
                "name": e.name,
                "phone": e.phone,
                "address": e.address,
                "reason": e.reason,
                "status": e.status,
                "assigned_to": names.get(e.assigned_to),
                "visit_id": visits.get(e.visit_id),
                "visit_review": reviews.get(e.visit_id, "received") if e.visit_id else None,
            }
            for e in entries
        ],
        "page": page,
    }


@blp.get("/outreach/rounds/<int:round_id>/coverage")
@blp.arguments(CoverageArgs, location="query")
@blp.response(200)
def coverage(args, round_id: int):
    """Who was visited and who was missed: visited (approved visits only) versus due, per
    station, inspector, must-visit category and five-enters kind, and the missed entries.
    ``format=csv`` for a spreadsheet, ``format=svg`` for a chart."""
    actor = current_actor()
    row = _round(round_id)
    station_id = asked_station(args, actor.station_id)
    authorize(actor, Action.READ_CASES, station_id=station_id)
    report = round_coverage(row, station_id)
    # the rules key stations and inspectors by id (as text); people read codes and usernames
    names = usernames(int(k) for k in report["by_inspector"] if k.isdigit())
    report["by_inspector"] = {
        names.get(int(k), k) if k.isdigit() else k: v for k, v in report["by_inspector"].items()
    }
    codes = station_codes()
    report["by_station"] = {
        codes.get(int(k), k) if k.isdigit() else k: v for k, v in report["by_station"].items()
    }
    if args["format"] == "csv":
        return Response(
            coverage_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="coverage-{row.id}.csv"'},
        )
    if args["format"] == "svg":
        labels = {**MUST_VISIT_CATEGORIES, **FIVE_ENTERS}
        return Response(
            coverage_svg(report, title=f"{row.name} 走访覆盖", labels=labels),
            mimetype="image/svg+xml",
        )
    return {"round_id": row.id, "name": row.name, **report}


@blp.get("/visits/reviews")
@blp.arguments(ReviewQueueArgs, location="query")
@blp.response(200, ReviewQueuePage)
def review_queue(args):
    """Visits by review status, oldest first: by default those still to review (``received``),
    each with its plausibility flags, for the station head."""
    actor = current_actor()
    station_id = asked_station(args, actor.station_id)
    authorize(actor, Action.READ_CASES, station_id=station_id)
    query = sa.select(Visit).outerjoin(VisitReview, VisitReview.visit_id == Visit.id)
    if args["status"] == "received":
        query = query.where(VisitReview.visit_id.is_(None))
    else:
        query = query.where(VisitReview.status == args["status"])
    if station_id is not None:
        query = query.where(Visit.station_id == station_id)
    visits, page = paginate(
        query.order_by(Visit.visited_at, Visit.id), page=args["page"], size=args["page_size"]
    )
    names = usernames(v.inspector_id for v in visits)
    return {
        "items": [
            _review_out(v)
            | {
                "station_id": v.station_id,
                "inspector": names.get(v.inspector_id),
                "visited_at": v.visited_at,
                "target_kind": v.target_kind,
                "target_ref": v.target_ref,
                "findings": v.findings,
            }
            for v in visits
        ],
        "page": page,
    }


@blp.route("/visits/<uid>/review")
class Review(MethodView):
    @blp.response(200, ReviewOut)
    def get(self, uid: str):
        """A visit's review (``received`` until the station head decides) and its flags."""
        visit = _visit(uid)
        authorize(current_actor(), Action.READ_CASES, station_id=visit.station_id)
        return _review_out(visit)

    @blp.arguments(ReviewIn)
    @blp.response(200, ReviewOut)
    @blp.errors(409)
    def post(self, data, uid: str):
        """Approve a visit, or mark it as having issues or rejected, with a note (required for
        the latter two). Only approved visits count in coverage."""
        visit = _visit(uid)
        actor = current_actor()
        authorize(actor, Action.REVIEW_VISITS, station_id=visit.station_id)
        review = db.session.get(VisitReview, visit.id)
        check_review(review.status if review else "received", data["status"], data["note"])
        if review is None:
            review = VisitReview(visit_id=visit.id)
            db.session.add(review)
        review.status = data["status"]
        review.note = data["note"]
        review.reviewer_id = actor.user_id
        review.reviewed_at = utcnow()
        db.session.flush()
        return _review_out(visit)


def _visit(uid: str) -> Visit:
    visit = db.session.execute(sa.select(Visit).where(Visit.uid == uid.lower())).scalar()
    if visit is None:
        raise NotFound(f"No visit has the id {uid}.")
    return visit


def _review_out(visit: Visit) -> dict:
    review = db.session.get(VisitReview, visit.id)
    flags = db.session.execute(
        sa.select(VisitFlag.code).where(VisitFlag.visit_id == visit.id).order_by(VisitFlag.id)
    ).scalars()
    return {
        "visit_id": visit.uid,
        "status": review.status if review else "received",
        "note": review.note if review else "",
        "reviewer": usernames([review.reviewer_id]).get(review.reviewer_id) if review else None,
        "reviewed_at": review.reviewed_at if review else None,
        "flags": list(flags),
    }
