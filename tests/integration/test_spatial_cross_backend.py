"""The same data set through routing, linking and every flag on SpatiaLite and on PostGIS gives
the same answers, value for value.

The data: the demo county's stations and projects, 2,000 generated enterprises and 5,000
complaints (most near an enterprise, one in ten repeating an earlier one nearby). Half the
complaints are analysed, every fifth of those is closed with its best suggestion confirmed,
then the other half is analysed, so that rebounds occur too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from demo.county import build_demo_county, spatial_workload
from server.extensions import db
from server.models import Complaint, ComplaintFlag, ComplaintLink, Enterprise, Project
from server.services.registry import write_records
from server.services.spatial import SpatialSettings, route_and_analyse
from server.services.station_locator import StationLocator
from tests.integration.conftest import DEMO_SEED, _build_app
from tests.integration.helpers import seeded_complaints

ENTERPRISES, COMPLAINTS = 2_000, 5_000


def _uid(index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldsync-cross-backend/{index}"))


def _answers(url: str, tmp_path) -> dict:
    county = build_demo_county(DEMO_SEED)
    firms, seeds = spatial_workload(DEMO_SEED, ENTERPRISES, COMPLAINTS)
    tmp_path.mkdir(parents=True, exist_ok=True)
    app = _build_app(url, tmp_path)
    settings = SpatialSettings()
    with app.app_context():
        write_records("stations", county.stations)
        locator = StationLocator.load()
        write_records("projects", county.projects, locator)
        for start in range(0, len(firms), 500):
            write_records("enterprises", firms[start : start + 500], locator)
        complaints = seeded_complaints(seeds, _uid, "cross-backend")
        db.session.add_all(complaints)
        db.session.flush()
        half = len(complaints) // 2
        route_and_analyse(complaints[:half], settings, locator)
        db.session.flush()
        for complaint in complaints[:half:5]:
            best = db.session.execute(
                sa.select(ComplaintLink).where(
                    ComplaintLink.complaint_id == complaint.id, ComplaintLink.rank == 1
                )
            ).scalar_one_or_none()
            if best is not None:
                best.status = "confirmed"
                complaint.status = "closed"
                complaint.closed_at = complaint.received_at + timedelta(days=3)
        db.session.flush()
        route_and_analyse(complaints[half:], settings, locator)
        db.session.commit()

        credit = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.credit_code)).all())
        approval = dict(db.session.execute(sa.select(Project.id, Project.approval_number)).all())
        uids = dict(db.session.execute(sa.select(Complaint.id, Complaint.uid)).all())
        stations = {
            uid: station
            for uid, station in db.session.execute(sa.select(Complaint.uid, Complaint.station_id))
        }
        links = sorted(
            (uids[link.complaint_id], link.rank, credit[link.enterprise_id], link.score,
             round(link.distance_m, 3), link.status, tuple(link.reasons))
            for link in db.session.execute(sa.select(ComplaintLink)).scalars()
        )  # fmt: skip
        flags = sorted(
            (
                uids[flag.complaint_id],
                flag.code,
                approval.get(int(flag.related))
                if flag.code == "near_new_project"
                else flag.related,
                round(flag.measured.get("distance_m", -1), 3),
                flag.reason,
            )
            for flag in db.session.execute(sa.select(ComplaintFlag)).scalars()
        )
        db.session.remove()
        db.engine.dispose()
    return {"stations": stations, "links": links, "flags": flags}


def test_routing_linking_and_flags_agree_on_both_backends(_databases, tmp_path):
    sqlite = _answers(_databases["sqlite"].fresh_url("migrated"), tmp_path / "s")
    postgis = _answers(_databases["postgresql"].fresh_url("migrated"), tmp_path / "p")
    # the data set exercises every rule
    assert len({s for s in sqlite["stations"].values()}) >= 4  # three stations and the county desk
    codes = {flag[1] for flag in sqlite["flags"]}
    assert {"near_new_project", "likely_duplicate", "rebound"} <= codes
    assert len(sqlite["links"]) > COMPLAINTS
    # and the two backends agree on every answer
    assert sqlite["stations"] == postgis["stations"]
    assert sqlite["links"] == postgis["links"]
    assert sqlite["flags"] == postgis["flags"]
