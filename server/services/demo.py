"""Load the synthetic demo county (:mod:`bureau.demo_county`) into an empty database."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from bureau.demo_county import build_demo_county
from server.extensions import db
from server.models import Device, Enterprise, Person, Project, Station, User
from server.services.accounts import add_user, find_user, register_device
from server.services.registry import StationLocator, write_records


def database_is_empty() -> bool:
    for model in (Station, Enterprise, Project, Person, User, Device):
        if db.session.execute(sa.select(model.id).limit(1)).first():
            return False
    return True


def load_demo(seed: int = 12369, progress: Callable[[str], None] = lambda _text: None) -> str:
    """Write the county in one transaction; returns a summary with the demo devices' tokens."""
    county = build_demo_county(seed)
    try:
        progress(f"demo county: {len(county.stations)} stations")
        write_records("stations", county.stations)
        locator = StationLocator.load()
        progress(f"demo county: {len(county.enterprises)} enterprises")
        for start in range(0, len(county.enterprises), 500):
            write_records("enterprises", county.enterprises[start : start + 500], locator)
        progress(f"demo county: {len(county.projects)} projects, {len(county.people)} people")
        write_records("projects", county.projects, locator)
        write_records("people", county.people, locator)
        progress(f"demo county: {len(county.users)} users, {len(county.devices)} devices")
        for demo_user in county.users:
            add_user(
                username=demo_user.username,
                full_name=demo_user.full_name,
                role=demo_user.role,
                password=demo_user.password,
                station_code=demo_user.station_code,
            )
        lines = ["fieldsync: demo county loaded. Demo device tokens (for trying the API only):"]
        for demo_device in county.devices:
            owner = find_user(demo_device.username)
            register_device(owner, demo_device.name, token=demo_device.token)
            where = owner.station.code if owner.station else "county"
            lines.append(
                f"  {demo_device.username:<14} {owner.role:<14} {where:<8} {demo_device.token}"
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return "\n".join(lines)
