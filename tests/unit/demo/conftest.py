"""Shared fixtures for the demo county's unit tests (no app, no database)."""

from __future__ import annotations

import pytest

from demo.county import DemoCounty, build_demo_county
from gis.geometry import BBox


@pytest.fixture(scope="session")
def demo() -> DemoCounty:
    """The default demo county, built once: it is deterministic and read-only in tests."""
    return build_demo_county()


@pytest.fixture
def county_area() -> BBox:
    """The demo county's service area."""
    return BBox(119.80, 31.60, 120.25, 31.88)
