"""Suggesting enterprises for many complaints at once: after an import from the hotline's
system, a change of the linking rules, or a registry import that moved enterprises.

One complaint at a time (:func:`server.services.spatial.link_complaint`) costs a query and a
few milliseconds; a hundred thousand that way would take minutes of round trips. Here the
database does the spatial join for all of them in one statement (PostGIS: a geography
``ST_DWithin`` join and a top-N per complaint with ``LATERAL``; SpatiaLite: an R*Tree join and a
window function) and pre-selects a few more than ``max_suggestions`` per complaint by the
rules' own score. Python then ranks those with :func:`gis.linking.rank_candidates`, measuring
each distance itself, so the stored suggestions are exactly what the one-at-a-time path stores,
on either backend.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from gis.distance import geodesic_distance_m, metres_to_degree_deltas
from gis.linking import EnterpriseCandidate, LinkingRules, fit_part, rank_candidates
from server.bulk import insert_rows
from server.extensions import db
from server.models import Complaint, ComplaintLink, Enterprise
from server.models.base import utcnow

#: candidates pre-selected per complaint beyond ``max_suggestions``, so that rounding
#: differences between the database's distances and Python's cannot change the final ten
MARGIN = 5
CHUNK = 20_000

_TODO = sa.Table(
    "link_todo",
    sa.MetaData(),
    sa.Column("complaint_id", sa.Integer, primary_key=True),
    sa.Column("category", sa.String(32)),
    sa.Column("radius_m", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("min_lon", sa.Float),
    sa.Column("min_lat", sa.Float),
    sa.Column("max_lon", sa.Float),
    sa.Column("max_lat", sa.Float),
    prefixes=["TEMPORARY"],
)
_FIT = sa.Table(
    "link_fit",
    sa.MetaData(),
    sa.Column("enterprise_id", sa.Integer, primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("fit", sa.Float),
    prefixes=["TEMPORARY"],
)

_PG_PAIRS = """
SELECT t.complaint_id, s.enterprise_id
FROM (
    SELECT complaint_id, category, radius_m,
           CAST(ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geography) AS g
    FROM link_todo
) t
CROSS JOIN LATERAL (
    SELECT c.enterprise_id
    FROM (
        SELECT e.id AS enterprise_id, ST_Distance(CAST(e.location AS geography), t.g) AS d, f.fit
        FROM enterprise e
        JOIN link_fit f ON f.enterprise_id = e.id AND f.category = t.category
        WHERE ST_DWithin(CAST(e.location AS geography), t.g, t.radius_m)
    ) c
    ORDER BY round(CAST((:dw * (1 - c.d / t.radius_m) + c.fit) / :tw AS numeric), 4) DESC,
             c.d, c.enterprise_id
    LIMIT :keep
) s
"""

_SQLITE_PAIRS = """
SELECT complaint_id, enterprise_id FROM (
    SELECT t.complaint_id, e.id AS enterprise_id,
           row_number() OVER (
               PARTITION BY t.complaint_id
               ORDER BY round((:dw * (1 - ST_Distance(e.location, MakePoint(t.lon, t.lat, 4326), 1)
                                      / t.radius_m) + f.fit) / :tw, 4) DESC,
                        ST_Distance(e.location, MakePoint(t.lon, t.lat, 4326), 1), e.id
           ) AS n
    FROM link_todo t
    JOIN enterprise e ON e.rowid IN (
        SELECT rowid FROM SpatialIndex
        WHERE f_table_name = 'enterprise' AND f_geometry_column = 'location'
          AND search_frame = BuildMbr(t.min_lon, t.min_lat, t.max_lon, t.max_lat, 4326))
    JOIN link_fit f ON f.enterprise_id = e.id AND f.category = t.category
    WHERE PtDistWithin(e.location, MakePoint(t.lon, t.lat, 4326), t.radius_m, 1) = 1
) WHERE n <= :keep
"""


def link_many(
    complaint_ids: Sequence[int] | None,
    rules: LinkingRules,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> int:
    """Replace the undecided suggestions of these complaints (all located ones when ``None``)
    with fresh ones; decided links stay. Returns the number of suggestions stored."""
    query = sa.select(
        Complaint.id,
        Complaint.category,
        sa.func.ST_X(Complaint.location),
        sa.func.ST_Y(Complaint.location),
    ).where(Complaint.location.is_not(None))
    if complaint_ids is not None:
        query = query.where(Complaint.id.in_(sorted(complaint_ids)))
    complaints = db.session.execute(query.order_by(Complaint.id)).all()
    connection = db.session.connection()
    _FIT.create(connection, checkfirst=True)
    _TODO.create(connection, checkfirst=True)
    _load_fits(rules, {category for _id, category, _x, _y in complaints})
    enterprises = {
        eid: (x, y, industry, tuple(pollutants or ()))
        for eid, x, y, industry, pollutants in db.session.execute(
            sa.select(
                Enterprise.id,
                sa.func.ST_X(Enterprise.location),
                sa.func.ST_Y(Enterprise.location),
                Enterprise.industry,
                Enterprise.pollutants,
            )
        )
    }
    stored = 0
    for start in range(0, len(complaints), CHUNK):
        chunk = complaints[start : start + CHUNK]
        stored += _link_chunk(chunk, rules, enterprises)
        progress(start + len(chunk), len(complaints))
    db.session.execute(_TODO.delete())
    db.session.execute(_FIT.delete())
    return stored


def _load_fits(rules: LinkingRules, categories: set[str]) -> None:
    """Each enterprise's distance-free score part per category, computed by the rules."""
    db.session.execute(_FIT.delete())
    rows = [
        {
            "enterprise_id": eid,
            "category": category,
            "fit": fit_part(category, industry, tuple(pollutants or ()), rules),
        }
        for eid, industry, pollutants in db.session.execute(
            sa.select(Enterprise.id, Enterprise.industry, Enterprise.pollutants)
        )
        for category in sorted(categories)
    ]
    insert_rows(db.session, _FIT, rows)


def _link_chunk(chunk: Sequence, rules: LinkingRules, enterprises: dict) -> int:
    db.session.execute(_TODO.delete())
    todo = []
    for cid, category, lon, lat in chunk:
        radius = rules.radius_for(category)
        dlon, dlat = metres_to_degree_deltas(lat, radius)
        todo.append(
            {
                "complaint_id": cid,
                "category": category,
                "radius_m": radius,
                "lon": lon,
                "lat": lat,
                "min_lon": lon - dlon,
                "min_lat": lat - dlat,
                "max_lon": lon + dlon,
                "max_lat": lat + dlat,
            }
        )
    insert_rows(db.session, _TODO, todo)
    keep = (rules.max_suggestions or 10**6) + MARGIN
    weights = rules.distance_weight + rules.industry_weight + rules.pollutant_weight
    params = {"dw": rules.distance_weight, "tw": weights, "keep": keep}
    postgres = db.session.get_bind().dialect.name == "postgresql"
    pairs = db.session.execute(sa.text(_PG_PAIRS if postgres else _SQLITE_PAIRS), params).all()
    by_complaint: dict[int, list[int]] = defaultdict(list)
    for cid, eid in pairs:
        by_complaint[cid].append(eid)
    in_chunk = ComplaintLink.complaint_id.in_(sa.select(_TODO.c.complaint_id))
    decided: dict[int, set[int]] = defaultdict(set)
    for cid, eid in db.session.execute(
        sa.select(ComplaintLink.complaint_id, ComplaintLink.enterprise_id).where(
            in_chunk, ComplaintLink.status != "suggested"
        )
    ):
        decided[cid].add(eid)
    db.session.execute(
        sa.delete(ComplaintLink).where(in_chunk, ComplaintLink.status == "suggested")
    )
    now = utcnow()
    rows = []
    for cid, category, lon, lat in chunk:
        candidates = []
        for eid in by_complaint.get(cid, ()):
            x, y, industry, pollutants = enterprises[eid]
            candidates.append(
                EnterpriseCandidate(eid, geodesic_distance_m(lon, lat, x, y), industry, pollutants)
            )
        ranked = [
            s
            for s in rank_candidates(category, candidates, rules)
            if s.enterprise_id not in decided[cid]
        ]
        for rank, suggestion in enumerate(ranked, start=1):
            rows.append(
                {
                    "complaint_id": cid,
                    "enterprise_id": suggestion.enterprise_id,
                    "rank": rank,
                    "distance_m": suggestion.distance_m,
                    "score": suggestion.score,
                    "reasons": list(suggestion.reasons),
                    "status": "suggested",
                    "decided_by": None,
                    "decided_at": None,
                    "created_at": now,
                }
            )
    insert_rows(db.session, ComplaintLink.__table__, rows)
    return len(rows)
