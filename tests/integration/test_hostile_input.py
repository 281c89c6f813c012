"""Hostile and careless input, as an attacker or a broken client sends it: every answer is a
4xx in the error envelope (never a 5xx), names the field where there is one, and changes
nothing — the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import AuditEntry, Complaint, Person, User
from tests.integration.helpers import bearer, token_for

QINGSHAN = [119.95, 31.75]


@pytest.fixture
def officer(demo_app):
    return bearer(token_for(demo_app, "officer"))


@pytest.fixture
def admin(demo_app):
    return bearer(token_for(demo_app, "admin"))


def _case(**extra) -> dict:
    body = {
        "channel": "hotline_12369",
        "category": "odour",
        "description": "化工园区夜间刺鼻气味",
        "location": {"type": "Point", "coordinates": QINGSHAN},
        "complainant": {"name": "陈女士", "phone": "13812341111"},
        "receipt": {"method": "phone", "text": "已登记"},
    }
    body.update(extra)
    return body


def _counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Complaint, Person, User, AuditEntry)
        )


def _refused(response, status: int, field: str | None = None) -> dict:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert body["status"] == status and body["code"] and body["message"], body
    if field is not None:  # a query parameter is named as webargs does: query.<name>
        assert field in body["errors"] or f"query.{field}" in body["errors"], body
    return body


def _post(client, path: str, body, headers) -> object:
    """``body`` as a client that escapes everything sends it (lone surrogates as \\udXXX)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=True).encode()
    return client.post(path, data=raw, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stations/300012743165719",
        "/api/v1/enterprises/99999999999999999999999",
        "/api/v1/people/2147483648",
    ],
)
def test_ids_beyond_the_databases_integers_name_nothing(demo_client, officer, path):
    _refused(demo_client.get(path, headers=officer), 404)


def test_ids_beyond_the_databases_integers_in_writes_name_nothing(demo_client, admin):
    for path in ("/api/v1/sync/conflicts/300012743165719/resolve",
                 "/api/v1/sync/proposals/300012743165719/accept"):  # fmt: skip
        _refused(_post(demo_client, path, {"fields": {}}, admin), 404)
    _refused(demo_client.delete("/api/v1/devices/99999999999", headers=admin), 404)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/cases?station=%00", "station"),
        ("/api/v1/enterprises?industry=a%00b", "industry"),
        ("/api/v1/audit?actor=%00", "actor"),
        ("/api/v1/people?station=320481101%00", "station"),
    ],
)
def test_nul_in_a_query_is_422_naming_the_parameter(demo_client, officer, path, field):
    _refused(demo_client.get(path, headers=officer), 422, field)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/supervision/leaders?at=0001-01-01T01:58:59%2B05:28",
        "/api/v1/supervision?at=9999-12-31T23:59:59-05:00",
        "/api/v1/statistics/cases?received_from=1000-01-01T00:00:00Z",
        "/api/v1/reception-days?day_from=0001-01-01",
    ],
)
def test_dates_outside_the_years_the_service_keeps_are_422(demo_client, officer, path):
    field = path.split("?")[1].split("=")[0]
    _refused(demo_client.get(path, headers=officer), 422, field)


def test_a_huge_page_number_is_an_empty_page(demo_client, officer):
    page = demo_client.get("/api/v1/cases?page=9223372036854775808", headers=officer)
    assert page.status_code == 200 and page.get_json()["items"] == []


BODIES = [
    ("description", _case(description="a\x00b")),
    ("description", _case(description="a\ud800b")),
    ("complainant.name", _case(complainant={"name": "陈\ud800", "phone": "13812341111"})),
    ("channel", _case(channel="x" * 40)),
    ("category", _case(category="y" * 40)),
    ("received_at", _case(received_at="0001-01-01T00:00:00+05:28")),
]


@pytest.mark.parametrize(("field", "body"), BODIES, ids=[str(i) for i in range(len(BODIES))])
def test_hostile_case_bodies_are_422_naming_the_field_and_store_nothing(
    demo_app, demo_client, officer, field, body
):
    before = _counts(demo_app)
    _refused(_post(demo_client, "/api/v1/cases", body, officer), 422, field)
    assert _counts(demo_app) == before


@pytest.mark.parametrize(
    "path",
    ["/api/v1/devices/register", "/api/v1/sync/push", "/api/v1/cases", "/api/v1/users",
     "/api/v1/people"],
)  # fmt: skip
def test_json_nested_ten_thousand_deep_is_refused_before_anything_runs(
    demo_app, demo_client, admin, path
):
    before = _counts(demo_app)
    deep = b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    _refused(_post(demo_client, path, deep, admin), 422, "_body")
    assert _counts(demo_app) == before


def test_names_with_nul_or_lone_surrogates_are_422(demo_app, demo_client, admin):
    before = _counts(demo_app)
    for name in ("a\x00b", "a\udc00b"):
        user = {"username": "zz_user", "full_name": name, "role": "officer",
                "password": "0123456789ab"}  # fmt: skip
        _refused(_post(demo_client, "/api/v1/users", user, admin), 422, "full_name")
    person = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": QINGSHAN},
        "properties": {"ref": "P-X1", "name": "王\ud800", "category": "resident"},
    }
    _refused(_post(demo_client, "/api/v1/people", person, admin), 422, "properties.name")
    assert _counts(demo_app) == before


def test_a_surrogate_pair_is_text_like_any_other(demo_app, demo_client, officer):
    """Escaped emoji (a valid pair) are not refused: only lone halves are."""
    created = _post(demo_client, "/api/v1/cases", _case(description="气味很重 😷"), officer)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["description"] == "气味很重 😷"
