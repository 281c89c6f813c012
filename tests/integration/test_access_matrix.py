"""Who may read what, asked of the server itself: every GET operation of the API requested as
every role — county-level accounts, and a station's inspector and staff — on a record of their
own station and on one of another. The answers make a table; the README's table
("Who may read what") must be that table, so the two cannot drift, and no cell may read more
than it says."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from server.extensions import db
from server.models import Complaint, Enterprise, OutreachRound, Person, Project, Station
from tests.integration.helpers import bearer, token_for

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- access-table:start -->", "<!-- access-table:end -->"
OWN, OTHER = "320481101", "320481102"  # 青山 (the station accounts' own) and 白河
ROLES = ("admin", "leader", "officer", "intake", "auditor", "qs_inspector", "qs_staff")
HEADINGS = ("admin", "leader", "officer", "intake", "auditor", "inspector", "station staff")
#: query strings some operations need to answer at all
QUERIES = {
    "/api/v1/spatial/route": "lon=119.93&lat=31.70&category=odour",
    "/api/v1/visits/reviews": "status=received",
}
#: not about a record anyone may or may not read
LEFT_OUT = {"/api/v1/openapi.json", "/api/v1/photos/<sha256>", "/api/v1/photos/<sha256>/status",
            "/api/v1/visits/<uid>/review", "/api/v1/reception-days/<int:day_id>"}  # fmt: skip


def _records(app) -> dict[str, dict[str, object]]:
    """Per path parameter, the value naming a record of the own station and of the other
    (rounds are made by :func:`_rounds`)."""
    with app.app_context():
        stations = dict(db.session.execute(sa.select(Station.code, Station.id)).all())

        def first(model, column, station_column):
            return {
                which: db.session.execute(
                    sa.select(column).where(station_column == stations[code]).order_by(column)
                ).scalars().first()
                for which, code in (("own", OWN), ("other", OTHER))
            }

        return {
            "station_id": {"own": stations[OWN], "other": stations[OTHER]},
            "enterprise_id": first(Enterprise, Enterprise.id, Enterprise.station_id),
            "person_id": first(Person, Person.id, Person.station_id),
            "project_id": first(Project, Project.id, Project.station_id),
            "ref": first(Complaint, Complaint.uid, Complaint.station_id),
            "uid": first(Complaint, Complaint.uid, Complaint.station_id),
        }


def _rounds(app, client) -> None:
    """One outreach round of each station, under way."""
    headers = bearer(token_for(app, "officer"))
    today = date.today()
    for code in (OWN, OTHER):
        answer = client.post(
            "/api/v1/outreach/rounds",
            json={"name": f"走访 {code}", "starts_on": str(today - timedelta(days=1)),
                  "ends_on": str(today + timedelta(days=30)), "stations": [code],
                  "enters": ["household"]},
            headers=headers,
        )  # fmt: skip
        assert answer.status_code == 201, answer.get_json()


def _cell(answers: list[int]) -> str:
    """Y: reads it; own: only its own station's; N: refused."""
    assert all(status < 500 for status in answers), answers
    read = [200 <= status < 300 for status in answers]
    if all(read):
        return "Y"
    if len(read) == 2 and read[0] and not read[1]:
        return "own"
    if not any(read):
        return "N"
    return "?"


def derived_table(app, client) -> str:
    _rounds(app, client)
    records = _records(app)
    with app.app_context():
        round_ids = dict(
            db.session.execute(sa.select(OutreachRound.name, OutreachRound.id)).all()
        )
    records["round_id"] = {"own": round_ids[f"走访 {OWN}"], "other": round_ids[f"走访 {OTHER}"]}
    tokens = {role: bearer(token_for(app, role)) for role in ROLES}
    rules = sorted(
        {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
        - LEFT_OUT
    )
    rows = []
    for rule in rules:
        if not rule.startswith("/api/v1/"):
            continue
        names = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
        paths = []
        for which in (("own", "other") if names else ("",)):
            path = rule
            for name in names:
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(records[name][which]), path)
            query = QUERIES.get(rule)
            paths.append(f"{path}?{query}" if query else path)
        cells = [
            _cell([client.get(path, headers=tokens[role]).status_code for path in paths])
            for role in ROLES
        ]
        shown = rule.removeprefix("/api/v1").replace("<int:", "<")
        rows.append(f"| `GET {shown}` | " + " | ".join(cells) + " |")
    head = "| endpoint | " + " | ".join(HEADINGS) + " |"
    rule_line = "|---|" + "---|" * len(HEADINGS)
    return "\n".join([head, rule_line, *rows])


def test_the_readme_says_who_may_read_what_as_the_server_answers(casework_app):
    table = derived_table(casework_app, casework_app.test_client())
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README lacks the access table's markers"
    written = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert "?" not in table, table
    assert written == table, "README's access table is out of date; the server answers:\n" + table
