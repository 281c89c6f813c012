"""The check the integration tests run on every answer (``tests/support/openapi_check.py``),
on a small document and a small app of its own: what it lets through and what it stops."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from tests.support.openapi_check import AnswerChecker, AnswerMismatch

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "status": {"type": "integer"},
        "message": {"type": "string"},
        "errors": {"type": "object"},
    },
    "required": ["code", "status", "message", "errors"],
}


def _json(schema: dict, description: str = "") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_RESPONSE = _json({"$ref": "#/components/schemas/Error"}, "error")
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/api/v1/things/{thing_id}": {
            "get": {
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"name": {"type": "string"}},
                            "required": ["name"],
                        }
                    ),
                    "404": ERROR_RESPONSE,
                    "default": ERROR_RESPONSE,
                },
            }
        },
        "/api/v1/sync/push": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "mutations": {
                                        "type": "array",
                                        "items": {"type": "integer"},
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _json({"type": "object"}), "422": ERROR_RESPONSE},
            }
        },
    },
    "components": {"schemas": {"Error": ERROR}},
}


def envelope(status: int, **extra):
    body = {"code": "x", "status": status, "message": "m", "errors": {}, **extra}
    return jsonify(body), status


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    app = Flask(__name__)

    @app.get("/api/v1/things/<int:thing_id>")
    def thing(thing_id: int):
        answers = {
            1: ({"name": "one"}, 200),
            2: ({"name": 2}, 200),
            3: envelope(404),
            4: ({"code": "x", "status": 404}, 404),
            5: envelope(409),
            6: envelope(500),
        }
        return answers[thing_id]

    @app.post("/api/v1/sync/push")
    def push():
        mutations = request.get_json()["mutations"]
        return {
            "results": [
                {"outcome": "rejected" if m in ("bad", "b") else "applied"} for m in mutations
            ]
        }

    @app.errorhandler(404)
    @app.errorhandler(405)
    def http_error(error):
        return envelope(error.code)

    @app.get("/healthz")
    def healthz():
        return {"anything": True}

    @app.get("/api/v1/odd")
    def odd():
        return {"fine": True}

    return FlaskClient(app, app.response_class)


@pytest.fixture(scope="module")
def check():
    return AnswerChecker(SPEC).check


def test_an_answer_the_document_describes_passes(client, check):
    check(client.get("/api/v1/things/1"))
    check(client.get("/api/v1/things/3"))
    check(client.get("/api/v1/things/6"))  # 500: the default response


@pytest.mark.parametrize(
    ("thing", "reason"),
    [
        (2, "does not fit"),  # a body out of its schema
        (4, "does not fit"),  # an error envelope without its message and errors
        (5, "409 is not documented"),  # an error the operation does not list (default: 5xx only)
    ],
)
def test_an_answer_the_document_does_not_describe_fails(client, check, thing, reason):
    with pytest.raises(AnswerMismatch, match=reason):
        check(client.get(f"/api/v1/things/{thing}"))


def test_unknown_paths_and_methods_must_answer_the_error_envelope(client, check):
    check(client.get("/api/v1/nowhere"))
    check(client.post("/api/v1/things/1"))
    with pytest.raises(AnswerMismatch, match="not an operation"):
        check(client.get("/api/v1/odd"))


def test_paths_outside_the_api_are_left_out(client, check):
    check(client.get("/healthz"))


def test_a_request_the_document_refuses_must_be_refused(client, check):
    # a push refuses each bad mutation on its own, inside its 200
    check(client.post("/api/v1/sync/push", json={"mutations": [1, "bad"]}))
    with pytest.raises(AnswerMismatch, match=r"mutations \[1\] were taken"):
        check(client.post("/api/v1/sync/push", json={"mutations": [1, "sneaked"]}))
    with pytest.raises(AnswerMismatch, match="the server took it"):
        check(client.post("/api/v1/sync/push", json={"mutations": "b"}))
