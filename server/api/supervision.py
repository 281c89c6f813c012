"""Supervision (督办), statistics and leadership reception days.

Lists are computed by :mod:`bureau.supervision` and :mod:`bureau.case_stats` from case
snapshots at ``at`` (default now): a leader may ask "what will be overdue by Friday". Station
accounts see their own station's cases; nothing here shows who complained.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView

from bureau.access import Action, authorize
from bureau.case_stats import COUNTY_DESK, case_statistics, statistics_csv
from bureau.errors import InvalidInput, NotFound
from bureau.lifecycle import TERMINAL_STATUSES
from bureau.supervision import DueItem, cases_for_leaders, supervision_lists
from schemas.cases import (
    LeaderArgs,
    LeaderListOut,
    ReceptionDayArgs,
    ReceptionDayIn,
    ReceptionDayOut,
    ReceptionDayPage,
    StatisticsArgs,
    SupervisionArgs,
    SupervisionOut,
)
from server.api.case_files import case_scope, case_summary, station_filter
from server.api.common import protected_blueprint, user_named, usernames
from server.api.paging import paginate, paginate_list
from server.auth import current_actor
from server.extensions import db
from server.models import Complaint, ComplaintCase, ReceptionDay
from server.models.base import utcnow
from server.services.casework import case_clocks, load_cases, station_codes

URL = ""
blp = protected_blueprint(
    "supervision", __name__, "Supervision, statistics, reception days", errors=(403,)
)


def _item(item: DueItem, names: dict[int, str]) -> dict:
    hours = item.delta.total_seconds() / 3600
    return {
        "case_id": item.case_id,
        "number": item.number,
        "kind": item.kind,
        "due": item.due,
        "state": item.state,
        "hours": round(hours, 1),
        "station_id": item.station_id,
        "officer_id": item.officer_id,
        "officer": names.get(item.officer_id),
    }


def _open() -> sa.ColumnElement[bool]:
    return Complaint.status.not_in(("closed", *TERMINAL_STATUSES))


@blp.get("/supervision")
@blp.arguments(SupervisionArgs, location="query")
@blp.response(200, SupervisionOut)
def supervision(args):
    """The supervision lists (督办清单): every open deadline that is overdue or due within
    ``soon_days`` (default: the configured 3) at ``at``, most urgent first, with counts per
    station and per accountable officer (the assignee, else the first receiver)."""
    where = case_scope(args)
    where.append(_open())
    at = args.get("at") or utcnow()
    officer_id = None
    if "officer" in args:
        officer_id = user_named(args["officer"], "officer").id
    found = load_cases(where)
    uids = {case.case_id: complaint.uid for complaint, _f, case in found}
    cases = [case for _c, _f, case in found]
    if officer_id is not None:
        cases = [case for case in cases if case.accountable_id == officer_id]
    soon = timedelta(days=args["soon_days"]) if "soon_days" in args else None
    lists = supervision_lists(cases, at, soon=soon, clocks=case_clocks())
    names = usernames(i.officer_id for i in (*lists.overdue, *lists.soon))
    codes = station_codes()

    def counts(groups: dict) -> dict:
        return {
            state: sum(len(items) for items in kinds.values()) for state, kinds in groups.items()
        }

    def out(item: DueItem) -> dict:
        return _item(item, names) | {"case_id": uids[item.case_id]}

    return {
        "at": at,
        "overdue": [out(i) for i in lists.overdue],
        "soon": [out(i) for i in lists.soon],
        "by_station": {
            (COUNTY_DESK if sid is None else codes.get(sid, str(sid))): counts(groups)
            for sid, groups in lists.by_station.items()
        },
        "by_officer": {
            names.get(oid, str(oid)): counts(groups) for oid, groups in lists.by_officer.items()
        },
    }


@blp.get("/supervision/leaders")
@blp.arguments(LeaderArgs, location="query")
@blp.response(200, LeaderListOut)
def for_leaders(args):
    """Cases that must go before a leader (overdue, important, collective — five or more
    people — or bypass) and have no leader's decision on those grounds yet; in the order they
    were received, a page at a time."""
    where = case_scope(args)
    where.append(_open())
    at = args.get("at") or utcnow()
    found = load_cases(where)
    uids = {case.case_id: complaint.uid for complaint, _f, case in found}
    listed = cases_for_leaders([case for _c, _f, case in found], at, case_clocks())
    listed, page = paginate_list(listed, page=args["page"], size=args["page_size"])
    return {
        "at": at,
        "page": page,
        "items": [
            {
                "case_id": uids[case.case_id],
                "number": case.number,
                "status": case.status,
                "station_id": case.station_id,
                "grounds": list(grounds),
            }
            for case, grounds in listed
        ],
    }


@blp.get("/statistics/cases")
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200)
def statistics(args):
    """Cases by channel, category, station and month; five-reply compliance (each reply on time,
    in %); overdue counts; satisfaction at follow-up; the rebound rate. ``format=csv`` gives
    ``section,key,value`` rows for a spreadsheet."""
    where = case_scope(args)
    if "received_from" in args:
        where.append(Complaint.received_at >= args["received_from"])
    if "received_to" in args:
        where.append(Complaint.received_at < args["received_to"])
    at = args.get("at") or utcnow()
    stats = case_statistics([case for _c, _f, case in load_cases(where)], at, clocks=case_clocks())
    codes = station_codes()
    stats["by_station"] = {
        (key if key == COUNTY_DESK else codes.get(int(key), key)): value
        for key, value in stats["by_station"].items()
    }
    if args["format"] == "csv":
        return Response(
            statistics_csv(stats),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="case-statistics.csv"'},
        )
    return {"at": at.isoformat(), **stats}


# --- reception days ----------------------------------------------------------------------------


def _day_out(day: ReceptionDay, complaints: list) -> dict:
    return {
        "id": day.id,
        "day": day.day,
        "leader_id": day.leader_id,
        "station_id": day.station_id,
        "place": day.place,
        "topic": day.topic,
        "complaints": complaints,
    }


def _received_on(day_ids: list[int]) -> dict[int, list]:
    if not day_ids:
        return {}
    now = utcnow()
    out: dict[int, list] = {}
    for complaint, file, case in load_cases([ComplaintCase.reception_day_id.in_(day_ids)]):
        out.setdefault(file.reception_day_id, []).append(case_summary(complaint, case, now))
    return out


@blp.route("/reception-days")
class ReceptionDays(MethodView):
    @blp.arguments(ReceptionDayArgs, location="query")
    @blp.response(200, ReceptionDayPage)
    def get(self, args):
        """The leadership reception days (领导接访日), in date order, with the cases received."""
        authorize(current_actor(), Action.READ_CASES, station_id=current_actor().station_id)
        query = sa.select(ReceptionDay)
        if "day_from" in args:
            query = query.where(ReceptionDay.day >= args["day_from"])
        if "day_to" in args:
            query = query.where(ReceptionDay.day <= args["day_to"])
        rows, page = paginate(
            query.order_by(ReceptionDay.day, ReceptionDay.id),
            page=args["page"],
            size=args["page_size"],
        )
        received = _received_on([r.id for r in rows])
        return {"items": [_day_out(r, received.get(r.id, [])) for r in rows], "page": page}

    @blp.arguments(ReceptionDayIn)
    @blp.response(201, ReceptionDayOut)
    def post(self, data):
        """Schedule a reception day: which leader receives the public, when and where."""
        actor = current_actor()
        station_id = station_filter(data["station"])
        authorize(actor, Action.HANDLE_CASES, station_id=station_id)
        leader = user_named(data["leader"], "leader")
        if leader.role != "leader":
            raise InvalidInput(
                f"{leader.username} is not a leader.", errors={"leader": ["must be a leader"]}
            )
        taken = db.session.execute(
            sa.select(ReceptionDay.id).where(
                ReceptionDay.day == data["day"], ReceptionDay.leader_id == leader.id
            )
        ).scalar()
        if taken is not None:
            raise InvalidInput(
                f"{leader.username} already receives on {data['day']} (reception day {taken}).",
                errors={"day": ["already scheduled for this leader"]},
            )
        day = ReceptionDay(
            day=data["day"],
            leader_id=leader.id,
            station_id=station_id,
            place=data["place"],
            topic=data["topic"],
            created_by=actor.user_id,
        )
        db.session.add(day)
        db.session.flush()
        return _day_out(day, [])


@blp.get("/reception-days/<int:day_id>")
@blp.response(200, ReceptionDayOut)
def reception_day(day_id: int):
    """One reception day with the cases received on it."""
    authorize(current_actor(), Action.READ_CASES, station_id=current_actor().station_id)
    day = db.session.get(ReceptionDay, day_id)
    if day is None:
        raise NotFound(f"No reception day has the id {day_id}.")
    return _day_out(day, _received_on([day.id]).get(day.id, []))
