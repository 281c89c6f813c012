"""Load the synthetic demo county (:mod:`demo.county`) into an empty database."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

import sqlalchemy as sa

from bureau.cases import Complainant
from demo.cases import apply_demo_step, demo_cases, reply_draft
from demo.county import DemoCounty, build_demo_county
from server.extensions import db
from server.models import Complaint, Device, Enterprise, Person, Project, Station, User
from server.services.accounts import add_user, find_user, register_device
from server.services.casework import (
    CaseIntake,
    actor_of,
    case_clocks,
    load_cases,
    register_case,
    save_step,
)
from server.services.outreach import refresh_current_rosters
from server.services.registry import changes_rosters, write_records
from server.services.station_locator import StationLocator


def database_is_empty() -> bool:
    for model in (Station, Enterprise, Project, Person, User, Device):
        if db.session.execute(sa.select(model.id).limit(1)).first():
            return False
    return True


def with_fresh_credentials(county: DemoCounty) -> DemoCounty:
    """The county with a random password per account and a random token per device.

    The county's own credentials are derived from its seed and so are public (anyone can read
    the code); a demo server left running must not open to them. Each install gets its own,
    printed once when it is loaded.
    """
    county.users = [
        replace(user, password="demo-" + secrets.token_urlsafe(12)) for user in county.users
    ]
    county.devices = [
        replace(device, token="demo-" + secrets.token_urlsafe(30)) for device in county.devices
    ]
    return county


def load_demo(
    seed: int = 12369,
    progress: Callable[[str], None] = lambda _text: None,
    *,
    cases: bool = True,
    seeded_credentials: bool = False,
) -> str:
    """Write the county in one transaction; returns a summary with the demo accounts'
    passwords and the demo devices' tokens.

    ``cases``: also replay the demo casework (:mod:`demo.cases`), about ninety
    complaints from May to October 2026 in every stage of their lifecycle.
    ``seeded_credentials``: keep the seed's public passwords and tokens (tests and benchmarks,
    which know them from :func:`demo.county.build_demo_county`); otherwise they are random.
    """
    county = build_demo_county(seed)
    if not seeded_credentials:
        county = with_fresh_credentials(county)
    try:
        progress(f"demo county: {len(county.stations)} stations")
        _write("stations", county.stations)
        locator = StationLocator.load()
        progress(f"demo county: {len(county.enterprises)} enterprises")
        for start in range(0, len(county.enterprises), 500):
            _write("enterprises", county.enterprises[start : start + 500], locator)
        progress(f"demo county: {len(county.projects)} projects, {len(county.people)} people")
        _write("projects", county.projects, locator)
        _write("people", county.people, locator)
        progress(f"demo county: {len(county.users)} users, {len(county.devices)} devices")
        for demo_user in county.users:
            add_user(
                username=demo_user.username,
                full_name=demo_user.full_name,
                role=demo_user.role,
                password=demo_user.password,
                station_code=demo_user.station_code,
            )
        lines = [
            "fieldsync: demo county loaded. Demo accounts (username, role, station, password; "
            "shown this once):"
        ]
        for demo_user in county.users:
            lines.append(
                f"  {demo_user.username:<14} {demo_user.role:<14} "
                f"{demo_user.station_code or 'county':<10} {demo_user.password}"
            )
        lines.append("Demo device tokens (for trying the API; shown this once):")
        for demo_device in county.devices:
            owner = find_user(demo_device.username)
            register_device(owner, demo_device.name, token=demo_device.token)
            where = owner.station.code if owner.station else "county"
            lines.append(
                f"  {demo_device.username:<14} {owner.role:<14} {where:<8} {demo_device.token}"
            )
        if cases:
            scripts = demo_cases(county, seed)
            progress(f"demo county: {len(scripts)} cases, replayed through the casework rules")
            load_demo_cases(scripts, locator)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return "\n".join(lines)


def _write(kind: str, records, locator: StationLocator | None = None) -> None:
    """One batch of the registry, then the rosters of the rounds under way, as any write."""
    if changes_rosters(kind, write_records(kind, records, locator)):
        refresh_current_rosters()


def load_demo_cases(scripts, locator: StationLocator) -> None:
    """Register each demo case at its time and replay its steps through the casework rules,
    each at its own time, exactly as the desk's requests would have stored them."""
    actors = {u.username: actor_of(u) for u in db.session.execute(sa.select(User)).scalars()}
    station_ids: dict[str | None, int | None] = {None: None}
    station_ids |= dict(db.session.execute(sa.select(Station.code, Station.id)).all())
    enterprises = dict(db.session.execute(sa.select(Enterprise.credit_code, Enterprise.id)).all())
    for script in scripts:
        location = None
        if script.lon is not None and script.lat is not None:
            location = {"type": "Point", "coordinates": [script.lon, script.lat]}
        complaint = register_case(
            actors[script.received_by],
            CaseIntake(
                channel=script.channel,
                category=script.category,
                description=script.description,
                complainant=Complainant(
                    name=script.complainant_name,
                    phone=script.complainant_phone,
                    headcount=script.headcount,
                ),
                received_at=script.received_at,
                receipt=reply_draft(script.receipt),
                location=location,
                address=script.address,
                important=script.important,
                bypass=script.bypass,
            ),
            station_id=station_ids[script.station_code],
            now=script.registered_at,
            locator=locator,
        )
        for step in script.steps:
            ((row, file, case),) = load_cases([Complaint.id == complaint.id], all_events=True)
            enterprise = step.args.get("enterprise")
            result = apply_demo_step(
                case,
                step,
                actors=actors,
                station_ids=station_ids,
                enterprise_id=enterprises.get(enterprise) if enterprise else None,
                clocks=case_clocks(),
            )
            save_step(row, file, case, result, now=step.at)
