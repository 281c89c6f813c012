"""Suggesting enterprises for many complaints at once: after an import from the hotline's
system, a change of the linking rules, or a registry import that moved enterprises.

The candidates are chosen as at registration
(:func:`server.services.spatial.enterprise_candidates`): distances on the tangent plane,
pre-selecting every enterprise whose approximate score could place it among the best, then
exact ellipsoidal distances and :func:`gis.linking.rank_candidates` in Python, so the stored
suggestions are exactly what the one-at-a-time path stores, on either backend.

On PostgreSQL one statement does it for thousands of complaints (a ``LATERAL`` subquery per
complaint, no round trip each). SQLite runs in the process, where a query per complaint costs
no round trip, so it asks the registration query for each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from gis.distance import geodesic_distance_m
from gis.linking import EnterpriseCandidate, LinkingRules, fit_part, rank_candidates
from gis.spatial_sql import LOCAL_ERROR, LOCAL_REACH_M, local_scale
from server.bulk import insert_rows
from server.extensions import db
from server.models import Complaint, ComplaintLink, Enterprise
from server.models.base import utcnow
from server.services.spatial import (
    PRESELECT_EXTRA,
    PRESELECT_MARGIN,
    around,
    enterprise_candidates,
)

CHUNK = 20_000

_TODO = sa.Table(
    "link_todo",
    sa.MetaData(),
    sa.Column("complaint_id", sa.Integer, primary_key=True),
    sa.Column("category", sa.String(32)),
    #: 1-based position of the category among the run's categories (PostgreSQL's fits array)
    sa.Column("category_index", sa.Integer),
    sa.Column("radius_m", sa.Float),
    sa.Column("reach_m", sa.Float),
    sa.Column("per_lon", sa.Float),
    sa.Column("per_lat", sa.Float),
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

_PG_CANDIDATES = """
SELECT t.complaint_id, c.enterprise_id, c.s
FROM link_todo t
CROSS JOIN LATERAL (
    SELECT b.enterprise_id, (:dw * (1 - b.d / t.radius_m) + b.fit) / :tw AS s
    FROM (
        SELECT e.id AS enterprise_id, e.fits[t.category_index] AS fit,
               sqrt(((e.x - t.lon) * t.per_lon) * ((e.x - t.lon) * t.per_lon)
                    + ((e.y - t.lat) * t.per_lat) * ((e.y - t.lat) * t.per_lat)) AS d
        FROM link_enterprise e
        WHERE e.location && ST_MakeEnvelope(t.min_lon, t.min_lat, t.max_lon, t.max_lat, 4326)
    ) b
    WHERE b.d <= t.reach_m
    ORDER BY s DESC
    LIMIT :limit
) c
ORDER BY t.complaint_id, c.s DESC
"""

#: PostgreSQL: the enterprises once more, each with its coordinates and its fit for every
#: category in an array, so the join above reads one row per candidate and nothing else
_PG_ENTERPRISES = [
    "DROP TABLE IF EXISTS link_enterprise",
    "CREATE TEMPORARY TABLE link_enterprise AS"
    " SELECT e.id, e.location, ST_X(e.location) AS x, ST_Y(e.location) AS y,"
    ' (SELECT array_agg(f.fit ORDER BY f.category COLLATE "C") FROM link_fit f'
    "  WHERE f.enterprise_id = e.id) AS fits"
    " FROM enterprise e",
    "CREATE INDEX ON link_enterprise USING gist (location)",
    "ANALYZE link_enterprise",
    "ANALYZE link_todo",
]


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
    categories = sorted({category for _id, category, _x, _y in complaints})
    _load_fits(rules, set(categories))
    if db.session.get_bind().dialect.name == "postgresql":
        for statement in _PG_ENTERPRISES[:4]:
            db.session.execute(sa.text(statement))
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
        stored += _link_chunk(chunk, rules, enterprises, categories)
        progress(start + len(chunk), len(complaints))
    db.session.execute(_TODO.delete())
    db.session.execute(_FIT.delete())
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(_PG_ENTERPRISES[0]))
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


def _link_chunk(
    chunk: Sequence, rules: LinkingRules, enterprises: dict, categories: list[str]
) -> int:
    db.session.execute(_TODO.delete())
    todo = []
    for cid, category, lon, lat in chunk:
        radius = rules.radius_for(category)
        reach = radius * (1 + LOCAL_ERROR)
        box = around(lon, lat, reach)
        per_lon, per_lat = local_scale(lat)
        todo.append(
            {
                "complaint_id": cid,
                "category": category,
                "category_index": categories.index(category) + 1,
                "radius_m": radius,
                "reach_m": reach,
                "per_lon": per_lon,
                "per_lat": per_lat,
                "lon": lon,
                "lat": lat,
                "min_lon": box.min_lon,
                "min_lat": box.min_lat,
                "max_lon": box.max_lon,
                "max_lat": box.max_lat,
            }
        )
    insert_rows(db.session, _TODO, todo)
    keep = (rules.max_suggestions or 10**6) + PRESELECT_MARGIN
    by_complaint: dict[int, list[int]] = defaultdict(list)
    local = all(rules.radius_for(category) <= LOCAL_REACH_M for _c, category, _x, _y in chunk)
    if db.session.get_bind().dialect.name == "postgresql" and local:
        weights = rules.distance_weight + rules.industry_weight + rules.pollutant_weight
        eps = rules.distance_weight * LOCAL_ERROR * (1 + LOCAL_ERROR) / weights
        slack = 2 * eps + 1e-4
        limit = keep + PRESELECT_EXTRA
        params = {"dw": rules.distance_weight, "tw": weights, "limit": limit}
        db.session.execute(sa.text(_PG_ENTERPRISES[-1]))
        scores: dict[int, list[float]] = defaultdict(list)
        for cid, eid, score in db.session.execute(sa.text(_PG_CANDIDATES), params):
            by_complaint[cid].append(eid)
            scores[cid].append(score)
        # as at registration: a cut within the slack of the keep-th may have left out a
        # member of the answer; those few complaints ask for everything above the threshold
        for cid, category, lon, lat in chunk:
            found = scores.get(cid, [])
            if len(found) == limit and found[-1] >= found[keep - 1] - slack:
                by_complaint[cid] = [
                    c.enterprise_id for c in enterprise_candidates(lon, lat, category, rules, keep)
                ]
    else:
        for cid, category, lon, lat in chunk:
            found = enterprise_candidates(lon, lat, category, rules, keep)
            by_complaint[cid] = [candidate.enterprise_id for candidate in found]
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
