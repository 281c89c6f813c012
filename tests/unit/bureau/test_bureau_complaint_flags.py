"""Complaint flags: near a new project, likely duplicate, rebound; residents near projects."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import Point, Polygon, box

from bureau.complaint_flags import (
    NEW_PROJECT_STATUSES,
    TIME_IN_FUTURE,
    ClosedCase,
    ComplaintPoint,
    ProjectSite,
    Resident,
    RosterEntry,
    device_time_flags,
    duplicate_flags,
    near_new_project_flags,
    rebound_flags,
    residents_near_projects,
)
from bureau.vocabulary import PROJECT_STATUSES
from gis.distance import geodesic_distance_m

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HERE = (119.95, 31.77)
M_PER_DEG_LON = geodesic_distance_m(119.95, 31.77, 119.96, 31.77) / 0.01


def east(metres: float, of: tuple[float, float] = HERE) -> tuple[float, float]:
    return of[0] + metres / M_PER_DEG_LON, of[1]


def site_east(metres: float, size_m: float = 200.0) -> Polygon:
    """A square footprint whose west edge is ``metres`` east of HERE."""
    west, _ = east(metres)
    east_edge, _ = east(metres + size_m)
    return box(west, HERE[1] - 0.001, east_edge, HERE[1] + 0.001)


class TestNearNewProject:
    def test_only_new_statuses_count(self) -> None:
        assert NEW_PROJECT_STATUSES == {"approved", "under_construction"}
        assert NEW_PROJECT_STATUSES <= set(PROJECT_STATUSES)
        projects = [
            ProjectSite(status, status, site_east(100.0), name=status)
            for status in PROJECT_STATUSES
        ]
        flags = near_new_project_flags(*HERE, projects)
        assert sorted(f.related for f in flags) == ["approved", "under_construction"]

    def test_boundary_is_inclusive(self) -> None:
        flags = near_new_project_flags(
            *HERE, [ProjectSite(1, "under_construction", site_east(499.99))]
        )
        assert len(flags) == 1
        assert flags[0].measured["distance_m"] == pytest.approx(499.99, abs=0.001)
        assert (
            near_new_project_flags(*HERE, [ProjectSite(1, "under_construction", site_east(500.01))])
            == []
        )

    def test_inside_the_footprint(self) -> None:
        site = box(HERE[0] - 0.001, HERE[1] - 0.001, HERE[0] + 0.001, HERE[1] + 0.001)
        [flag] = near_new_project_flags(*HERE, [ProjectSite("P1", "approved", site, "Riverside")])
        assert flag.code == "near_new_project"
        assert flag.measured["distance_m"] == 0.0
        assert flag.reason.startswith("inside the footprint of new project Riverside (approved)")

    def test_point_footprint_and_configurable_distance(self) -> None:
        project = ProjectSite("P1", "approved", Point(*east(800.0)))
        assert near_new_project_flags(*HERE, [project]) == []
        [flag] = near_new_project_flags(*HERE, [project], within_m=1000.0)
        assert "800 m from the footprint of new project P1" in flag.reason

    def test_nearest_first_then_id(self) -> None:
        projects = [
            ProjectSite(3, "approved", site_east(300.0)),
            ProjectSite(2, "approved", site_east(100.0)),
            ProjectSite(1, "approved", site_east(300.0)),
        ]
        assert [f.related for f in near_new_project_flags(*HERE, projects)] == [2, 1, 3]

    def test_no_projects(self) -> None:
        assert near_new_project_flags(*HERE, []) == []

    @pytest.mark.parametrize("within", [-1.0, math.nan, None])
    def test_bad_distance(self, within: object) -> None:
        with pytest.raises(ValueError, match="within_m"):
            near_new_project_flags(*HERE, [], within_m=within)  # type: ignore[arg-type]


def complaint(cid: object, metres: float = 0.0, hours: float = 0.0, category: str = "noise"):
    return ComplaintPoint(cid, category, *east(metres), T0 + timedelta(hours=hours))  # type: ignore[arg-type]


class TestDuplicates:
    def test_same_category_nearby_and_recent(self) -> None:
        new = complaint(10, hours=24)
        [flag] = duplicate_flags(new, [complaint(1, metres=120.0)])
        assert (flag.code, flag.related) == ("likely_duplicate", 1)
        assert flag.measured["days_apart"] == 1.0
        assert flag.measured["distance_m"] == pytest.approx(120.0, abs=0.01)
        assert "complaint 1 about noise" in flag.reason and "24 h earlier" in flag.reason

    def test_other_category_is_not_a_duplicate(self) -> None:
        assert duplicate_flags(complaint(10, hours=1), [complaint(1, category="odour")]) == []

    def test_radius_boundary(self) -> None:
        new = complaint(10, hours=1)
        assert len(duplicate_flags(new, [complaint(1, metres=299.99)])) == 1
        assert duplicate_flags(new, [complaint(1, metres=300.01)]) == []

    def test_days_boundary(self) -> None:
        new = complaint(10, hours=7 * 24)
        assert len(duplicate_flags(new, [complaint(1)])) == 1
        assert duplicate_flags(complaint(10, hours=7 * 24 + 0.01), [complaint(1)]) == []
        assert len(duplicate_flags(new, [complaint(1)], within_days=3)) == 0

    def test_only_the_later_complaint_is_the_duplicate(self) -> None:
        first, second = complaint(1), complaint(2, hours=2)
        assert len(duplicate_flags(second, [first])) == 1
        assert duplicate_flags(first, [second]) == []

    def test_same_instant_breaks_by_id(self) -> None:
        a, b = complaint("a"), complaint("b")
        assert [f.related for f in duplicate_flags(b, [a])] == ["a"]
        assert duplicate_flags(a, [b]) == []

    def test_itself_is_skipped(self) -> None:
        me = complaint(1, hours=1)
        assert duplicate_flags(me, [me]) == []

    def test_nearest_first(self) -> None:
        others = [complaint(1, 200.0), complaint(2, 50.0), complaint(3, 100.0)]
        assert [f.related for f in duplicate_flags(complaint(9, hours=1), others)] == [2, 3, 1]

    def test_naive_time_is_refused(self) -> None:
        naive = ComplaintPoint(1, "noise", *HERE, datetime(2026, 6, 1))
        with pytest.raises(ValueError, match="time zone"):
            duplicate_flags(naive, [])


def closed(
    cid: object, metres: float, days_before: float, enterprise: object = "E1", category="odour"
):
    when = T0 - timedelta(days=days_before)
    return ClosedCase(cid, enterprise, *east(metres), when, category)  # type: ignore[arg-type]


class TestRebound:
    def test_recently_closed_case_nearby(self) -> None:
        [flag] = rebound_flags(*HERE, T0, "odour", [closed("C1", 400.0, 30)])
        assert (flag.code, flag.related) == ("rebound", "C1")
        assert flag.measured["enterprise_id"] == "E1"
        assert flag.measured["days_since_closed"] == 30.0
        assert "enterprise E1" in flag.reason and "30 days" in flag.reason
        assert "odour case C1" in flag.reason

    def test_a_case_of_another_category_is_no_rebound(self) -> None:
        """A noise complaint near a plant whose odour case closed is not that case coming back."""
        cases = [
            closed("C1", 100.0, 10, category="odour"),
            closed("C2", 300.0, 10, category="noise"),
        ]
        assert [f.related for f in rebound_flags(*HERE, T0, "noise", cases)] == ["C2"]
        assert rebound_flags(*HERE, T0, "water", cases) == []

    def test_window_boundary(self) -> None:
        assert len(rebound_flags(*HERE, T0, "odour", [closed("C1", 10.0, 90)])) == 1
        assert rebound_flags(*HERE, T0, "odour", [closed("C1", 10.0, 90.001)]) == []
        longer = rebound_flags(*HERE, T0, "odour", [closed("C1", 10.0, 120)], window_days=180)
        assert len(longer) == 1

    def test_radius_boundary(self) -> None:
        assert len(rebound_flags(*HERE, T0, "odour", [closed("C1", 999.99, 1)])) == 1
        assert rebound_flags(*HERE, T0, "odour", [closed("C1", 1000.01, 1)]) == []

    def test_closed_after_the_complaint_is_no_rebound(self) -> None:
        assert rebound_flags(*HERE, T0, "odour", [closed("C1", 10.0, -1)]) == []
        assert len(rebound_flags(*HERE, T0, "odour", [closed("C1", 10.0, 0)])) == 1

    def test_nearest_first(self) -> None:
        cases = [closed("C2", 500.0, 5), closed("C1", 100.0, 50)]
        assert [f.related for f in rebound_flags(*HERE, T0, "odour", cases)] == ["C1", "C2"]

    @pytest.mark.parametrize("kwargs", [{"radius_m": -1.0}, {"window_days": math.inf}])
    def test_bad_settings(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError):
            rebound_flags(*HERE, T0, "odour", [], **kwargs)


class TestResidentsNearProjects:
    def test_residents_within_the_distance_of_new_projects(self) -> None:
        projects = [
            ProjectSite("P1", "under_construction", site_east(0.0)),
            ProjectSite("P2", "completed", site_east(2000.0)),
        ]
        people = [
            Resident("r3", *east(-450.0)),  # 450 m west of P1's west edge
            Resident("r1", *east(100.0)),  # inside P1
            Resident("r2", *east(2100.0)),  # inside P2, which is completed
            Resident("r4", *east(-600.0)),  # too far
        ]
        roster = residents_near_projects(people, projects)
        assert [e.person_ref for e in roster] == ["r1", "r3"]
        assert roster[0] == RosterEntry("r1", "P1", 0.0)
        assert roster[1].distance_m == pytest.approx(450.0, abs=0.01)

    def test_each_person_once_with_the_nearest_project(self) -> None:
        projects = [
            ProjectSite("P2", "approved", site_east(100.0)),
            ProjectSite("P1", "approved", site_east(300.0)),
            ProjectSite("P0", "approved", site_east(100.0)),
        ]
        [entry] = residents_near_projects([Resident("r1", *HERE)], projects)
        assert entry.project_id == "P0"  # equally near as P2, lower id

    def test_empty_inputs(self) -> None:
        assert residents_near_projects([], [ProjectSite("P1", "approved", site_east(0.0))]) == []
        assert residents_near_projects([Resident("r1", *HERE)], []) == []

    def test_configurable_distance_and_statuses(self) -> None:
        projects = [ProjectSite("P1", "completed", site_east(700.0))]
        people = [Resident("r1", *HERE)]
        assert residents_near_projects(people, projects, within_m=1000.0) == []
        found = residents_near_projects(people, projects, within_m=1000.0, statuses={"completed"})
        assert [e.person_ref for e in found] == ["r1"]


class TestDeviceTime:
    """A complaint the device dated beyond the server's clock and the allowed skew is flagged."""

    NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    def test_dated_days_or_years_ahead(self) -> None:
        (flag,) = device_time_flags("2031-01-01T08:00:00+08:00", self.NOW, 300)
        assert flag.code == TIME_IN_FUTURE == "time_in_future"
        assert flag.measured["allowance_s"] == 300
        (flag,) = device_time_flags("2026-11-28T08:00:00Z", self.NOW, 300)
        assert flag.measured["ahead_s"] == 3 * 86400

    def test_within_the_allowance_or_past(self) -> None:
        assert device_time_flags("2026-11-25T16:04:00+08:00", self.NOW, 300) == []
        assert device_time_flags(self.NOW - timedelta(days=30), self.NOW, 300) == []

    @pytest.mark.parametrize("given", [None, "", "yesterday", "2031-01-01T08:00:00"])
    def test_no_usable_device_time_no_flag(self, given) -> None:
        assert device_time_flags(given, self.NOW, 300) == []
