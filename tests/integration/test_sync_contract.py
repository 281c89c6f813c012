"""The sync contract: what docs/sync-protocol.md, ``GET /sync/config``, the OpenAPI document and
the server's real answers say is one and the same — a third-party app written from any of them
meets what the server does."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.models import SyncBatch, SyncMutation, Visit
from sync.entities import SYNCED
from tests.integration.helpers import bearer, count, token_for
from tests.integration.sync_helpers import Device, complaint_fields, reply_fields, visit_fields
from tests.support.openapi import problems, schema_ref

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "sync-protocol.md"


@pytest.fixture
def inspector(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_inspector")


@pytest.fixture
def staff(demo_app, demo_client):
    return Device.for_user(demo_app, demo_client, "qs_staff")


def openapi(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def assert_fits(doc: dict, schema: dict, value) -> None:
    found = problems(doc, schema, value)
    assert not found, "\n".join(found[:20])


# -- the protocol document's tables and /sync/config ------------------------------------------


def markdown_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Each table of a markdown text under the heading it follows: heading → rows, each row a
    mapping of the table's header to the cell (both stripped)."""
    tables: dict[str, list[dict[str, str]]] = {}
    heading, header = "", None
    for line in text.splitlines():
        if line.startswith("#"):
            heading, header = line.lstrip("#").strip(), None
            continue
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            tables[heading] = []
        elif not all(set(cell) <= {"-", ":"} for cell in cells):
            tables[heading].append(dict(zip(header, cells, strict=True)))
    return tables


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def limits_text(field: dict) -> str:
    """A field's allowed values and limits as the protocol document writes them."""
    if "allowed" in field:
        return ", ".join(f"`{value}`" for value in field["allowed"])
    parts = []
    if "max_length" in field:
        parts.append(f"≤ {field['max_length']} characters")
    if "minimum" in field:
        parts.append(("> " if field.get("exclusive_minimum") else "≥ ") + _number(field["minimum"]))
    if "maximum" in field:
        parts.append("≤ " + _number(field["maximum"]))
    if "max_items" in field:
        parts.append(f"≤ {field['max_items']} items")
    return ", ".join(parts)


def _code(cell: str) -> str:
    return cell.strip("`")


def _codes(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_protocol_documents_tables_are_what_sync_config_answers(demo_client, inspector):
    config = demo_client.get("/api/v1/sync/config", headers=bearer(inspector.token)).get_json()
    entities = config["entities"]
    tables = markdown_tables(PROTOCOL.read_text(encoding="utf-8"))

    overview = {_code(row["entity"]): row for row in tables["2a. Entities"]}
    assert list(overview) == list(entities)
    for name, entity in entities.items():
        row = overview[name]
        assert _codes(row["operations"]) == entity["operations"], name
        assert _code(row["policy"]) == entity["policy"], name

        fields_table = tables.get(f"`{name}` fields")
        if entity["fields"]:
            documented = [
                (
                    _code(r["field"]),
                    r["type"],
                    r["create"],
                    r["update"],
                    r["null"],
                    r["allowed values / limits"],
                )
                for r in fields_table
            ]
            answered = [
                (
                    field,
                    spec["type"],
                    spec["create"],
                    spec["update"],
                    "yes" if spec["nullable"] else "no",
                    limits_text(spec),
                )
                for field, spec in entity["fields"].items()
            ]
            assert documented == answered, name
        else:
            assert fields_table is None, f"{name} takes no fields, yet the document lists some"

        documented = [
            (_code(r["field"]), r["type"], r["null"], r["allowed values / limits"])
            for r in tables[f"`{name}` record"]
        ]
        answered = [
            (field, spec["type"], "yes" if spec["nullable"] else "no", limits_text(spec))
            for field, spec in entity["record"].items()
        ]
        assert documented == answered, name


def test_sync_config_answers_the_allowed_values_a_push_enforces(demo_client, inspector):
    """An app that learns the allowed values from the config is never refused for them: a value
    from the list is taken, one outside it is the field's ``invalid_fields``."""
    config = demo_client.get("/api/v1/sync/config", headers=bearer(inspector.token)).get_json()
    kinds = config["entities"]["visit"]["fields"]["target_kind"]["allowed"]
    assert kinds == ["enterprise", "person", "project", "complaint", "place"]
    good = [inspector.mutation("visit", "create", visit_fields(target_kind=k)) for k in kinds]
    bad = inspector.mutation("visit", "create", visit_fields(target_kind="factory"))
    answer, _ = inspector.push(*good, bad)
    outcomes = [(r["outcome"], r["code"]) for r in answer["results"]]
    assert outcomes == [("applied", None)] * len(kinds) + [("rejected", "invalid_fields")]
    assert list(answer["results"][-1]["errors"]) == ["target_kind"]


# -- the OpenAPI document ----------------------------------------------------------------------


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _enum(prop: dict) -> list | None:
    values = prop.get("enum")
    return None if values is None else [v for v in values if v is not None]


def test_the_openapi_enumerations_are_the_declarations(client):
    schemas = openapi(client)["components"]["schemas"]
    for name, spec in SYNCED.items():
        record = schemas[f"{_camel(name)}Record"]
        assert list(record["properties"]) == [f.name for f in spec.record_fields]
        for f in spec.record_fields:
            prop = record["properties"][f.name]
            expected = None if f.type.allowed is None else list(f.type.allowed)
            assert _enum(prop) == expected, (name, f.name)
            assert bool(prop.get("nullable")) == f.nullable or "anyOf" in prop, (name, f.name)
        for op in spec.operations:
            mutation = schemas[f"{_camel(name)}{_camel(op)}Mutation"]
            assert mutation["properties"]["entity"]["enum"] == [name]
            assert mutation["properties"]["op"]["enum"] == [op]
            if op == "delete":
                continue
            declared = spec.create if op == "create" else spec.update
            fields = schemas[f"{_camel(name)}{_camel(op)}Fields"]
            assert set(fields["properties"]) == set(declared)
            assert set(fields.get("required", ())) == {
                n for n, s in declared.items() if op == "create" and s.required
            }
            assert fields["additionalProperties"] is False
            for field_name, field_spec in declared.items():
                allowed = field_spec.type.allowed
                assert _enum(fields["properties"][field_name]) == (
                    None if allowed is None else list(allowed)
                ), (name, op, field_name)
    mutation_kinds = {
        f"{_camel(name)}{_camel(op)}Mutation"
        for name, spec in SYNCED.items()
        for op in spec.operations
    }
    items = schemas["PushIn"]["properties"]["mutations"]["items"]["oneOf"]
    assert {ref["$ref"].rsplit("/", 1)[-1] for ref in items} == mutation_kinds
    changes = schemas["PullOut"]["properties"]["changes"]["items"]["oneOf"]
    assert {ref["$ref"].rsplit("/", 1)[-1] for ref in changes} == {
        f"{_camel(name)}Change" for name in SYNCED
    }


def test_pushed_and_pulled_records_are_what_the_openapi_document_says(casework_app, backend):
    """Every record of the demo county with its casework, as a county leader pulls it, and a
    push answer of every entity and outcome, fit the document's schemas; and the wire records
    have exactly the declared fields."""
    from server.services.sync_wire import WIRE_FIELDS

    for name, spec in SYNCED.items():
        assert [f.name for f in WIRE_FIELDS[name]] == [f.name for f in spec.record_fields]

    client = casework_app.test_client()
    doc = openapi(client)
    device = Device.for_user(casework_app, client, "qs_inspector")
    created, _ = device.push(device.mutation("complaint", "create", complaint_fields()))
    cid = created["results"][0]["record_id"]
    answer, _ = device.push(
        device.mutation("visit", "create", visit_fields(photos=["ab" * 32], mock_location=True)),
        device.mutation("complaint_event", "create", reply_fields(cid, "note", text="记录")),
        device.mutation(
            "complaint", "update", {"summary": "已核实"}, record_id=cid, base_version=1
        ),
        device.mutation("person", "create", {"name": "李四", "category": "deputy"}),
        device.mutation("enterprise_proposal", "create", {"changes": {"name": "新厂"}}),
        device.mutation("project_proposal", "create", {"changes": {"name": "新项目"}}),
        device.mutation("bogus", "create", {}),
        device.mutation("visit", "create", visit_fields(), seq=999),  # held behind a gap
    )
    assert [r["outcome"] for r in answer["results"]] == (["applied"] * 6 + ["rejected", "held"])
    assert_fits(doc, schema_ref("PushOut"), answer)
    for result in answer["results"][:6]:
        record_schema = schema_ref(f"{_camel(result['entity'])}Record")
        assert_fits(doc, record_schema, result["record"])

    leader = Device.for_user(casework_app, client, "leader")
    cursor, seen = None, set()
    while True:
        url = "/api/v1/sync/pull?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(leader.token)).get_json()
        assert_fits(doc, schema_ref("PullOut"), page)
        seen.update(change["entity"] for change in page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert {"visit", "complaint", "complaint_event", "person"} <= seen


# -- errors --------------------------------------------------------------------------------------

#: the error statuses each sync and photo operation answers (besides 401, on all of them)
SYNC_ERRORS = {
    ("get", "/api/v1/sync/config"): {422},  # a NUL in any query value
    ("post", "/api/v1/sync/push"): {400, 403, 409, 413, 422},
    ("get", "/api/v1/sync/pull"): {410, 422},
    ("get", "/api/v1/sync/conflicts"): {403, 422},
    ("post", "/api/v1/sync/conflicts/{conflict_id}/resolve"): {400, 403, 404, 409, 413, 422},
    ("get", "/api/v1/sync/merges"): {403, 422},
    ("get", "/api/v1/sync/quarantine"): {403, 422},
    ("get", "/api/v1/sync/held"): {403, 422},
    ("get", "/api/v1/sync/batches"): {403, 422},
    ("get", "/api/v1/sync/proposals"): {403, 422},
    ("post", "/api/v1/sync/proposals/{proposal_id}/{decision}"): {403, 404, 409, 422},
    ("get", "/api/v1/photos/{sha256}/status"): {422},
    ("put", "/api/v1/photos/{sha256}"): {400, 409, 413, 422},
    ("get", "/api/v1/photos/{sha256}"): {404, 422},
}


def _response_schema(doc: dict, response: dict) -> dict:
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response["content"]["application/json"]["schema"]


def _error_statuses(operation: dict) -> set[int]:
    return {int(code) for code in operation["responses"] if code.isdigit() and int(code) >= 400}


def test_every_operation_documents_its_errors_with_the_error_envelope(client):
    doc = openapi(client)
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["type"] == "string"
    assert error["properties"]["status"]["type"] == "integer"
    assert error["properties"]["message"]["type"] == "string"
    assert set(error["required"]) == {"code", "status", "message", "errors"}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            where = f"{method.upper()} {path}"
            if operation.get("security") != []:
                assert 401 in _error_statuses(operation), where
            for code, response in operation["responses"].items():
                if code != "default" and int(code) < 400:
                    continue
                schema = _response_schema(doc, response)
                if schema == schema_ref("Error"):
                    continue
                # an error with more members: it must still be the envelope
                extended = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                for name, prop in error["properties"].items():
                    assert extended["properties"][name] == prop, (where, code, name)
                assert set(error["required"]) <= set(extended["required"]), (where, code)
    for (method, path), statuses in SYNC_ERRORS.items():
        operation = doc["paths"][path][method]
        assert _error_statuses(operation) == statuses | {401}, f"{method.upper()} {path}"


def test_real_error_bodies_fit_the_documented_error_schema(demo_app, demo_client, inspector):
    doc = openapi(demo_client)
    token = bearer(inspector.token)
    officer = bearer(token_for(demo_app, "officer"))

    def check(method: str, path: str, response, status: int, schema: str = "Error") -> dict:
        assert response.status_code == status, response.get_json()
        body = response.get_json()
        assert_fits(doc, schema_ref(schema), body)
        assert body["status"] == status and isinstance(body["code"], str)
        assert status in _error_statuses(doc["paths"][path][method]), (path, status)
        return body

    push = "/api/v1/sync/push"
    check("get", "/api/v1/sync/config", demo_client.get("/api/v1/sync/config"), 401)
    bad_json = demo_client.post(
        push, data=b"{not json", headers=token, content_type="application/json"
    )
    check("post", push, bad_json, 400)
    not_a_batch = demo_client.post(push, json={"batch_seq": "x"}, headers=token)
    check("post", push, not_a_batch, 422)
    too_many = demo_client.post(
        push,
        json={
            "batch_seq": 1,
            "schema_version": 1,
            "mutations": [inspector.mutation("visit", "create", visit_fields())] * 1001,
        },
        headers=token,
    )
    assert check("post", push, too_many, 413)["errors"]["max_push_records"] == ["1000"]
    quarantine = demo_client.get("/api/v1/sync/quarantine", headers=token)
    check("get", "/api/v1/sync/quarantine", quarantine, 403)
    resolve = "/api/v1/sync/conflicts/{conflict_id}/resolve"
    unknown = demo_client.post(
        "/api/v1/sync/conflicts/999999/resolve", json={"choice": "keep_theirs"}, headers=officer
    )
    check("post", resolve, unknown, 404)
    pull = "/api/v1/sync/pull"
    moved = demo_client.get(pull + "?cursor=s999999.5", headers=token)
    assert check("get", pull, moved, 410)["code"] == "resync_required"
    check("get", pull, demo_client.get(pull + "?cursor=nonsense", headers=token), 422)

    photo = "/api/v1/photos/{sha256}"
    digest = hashlib.sha256(b"0123456789").hexdigest()
    wrong_offset = demo_client.put(
        f"/api/v1/photos/{digest}",
        data=b"56789",
        headers={**token, "Content-Range": "bytes 5-9/10"},
    )
    check("put", photo, wrong_offset, 409, "PhotoConflictOut")
    check("put", photo, wrong_offset, 409)  # and, to a client that knows only the envelope


# -- strict UUIDs ----------------------------------------------------------------------------------


def test_a_mutation_id_that_is_not_a_uuid_refuses_the_batch_and_stores_nothing(demo_app, inspector):
    good = inspector.mutation("visit", "create", visit_fields())
    odd = dict(inspector.mutation("visit", "create", visit_fields()), id="visit-2")
    before = [count(demo_app, model) for model in (Visit, SyncMutation, SyncBatch)]
    body = {"batch_seq": 1, "schema_version": 1, "mutations": [good, odd]}
    response = inspector.client.post(
        "/api/v1/sync/push", json=body, headers=bearer(inspector.token)
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"mutations[1].id": ["Not a valid UUID."]}
    assert [count(demo_app, model) for model in (Visit, SyncMutation, SyncBatch)] == before
    # the batch number was not used up: the corrected batch goes through under it
    fixed = dict(odd, id=str(uuid.uuid4()))
    answer, _ = inspector.push(good, fixed, batch_seq=1)
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]


def test_record_ids_are_uuids_in_their_canonical_form(demo_app, inspector):
    plain = uuid.uuid4()
    answer, _ = inspector.push(
        inspector.mutation("visit", "create", visit_fields(), record_id=plain.hex),
        inspector.mutation("visit", "create", visit_fields(), record_id=f"{{{plain}}}"),
        inspector.mutation("complaint", "create", complaint_fields(), record_id=plain.hex),
        inspector.mutation("visit", "create", visit_fields(), record_id=str(plain).upper()),
    )
    assert [(r["outcome"], r["code"]) for r in answer["results"]] == [
        ("rejected", "invalid_record_id"),
        ("rejected", "invalid_record_id"),
        ("rejected", "invalid_record_id"),
        ("applied", None),
    ]
    assert answer["results"][3]["record"]["id"] == str(plain)
    assert count(demo_app, Visit) == 1


# -- photos -------------------------------------------------------------------------------------


def _put(client, token, digest, data, start, total):
    end = start + len(data) - 1
    return client.put(
        f"/api/v1/photos/{digest}",
        data=data,
        headers={**bearer(token), "Content-Range": f"bytes {start}-{end}/{total}"},
    )


def test_a_photo_chunk_at_the_wrong_offset_answers_409_with_the_status(demo_client, inspector):
    photo = bytes(range(256)) * 12
    digest = hashlib.sha256(photo).hexdigest()
    total = len(photo)
    status_url = f"/api/v1/photos/{digest}/status"
    token = inspector.token

    # a first chunk that does not start at 0: nothing stored, the (empty) status answered
    early = _put(demo_client, token, digest, photo[1000:2000], 1000, total)
    assert early.status_code == 409
    body = early.get_json()
    assert (body["code"], body["status"]) == ("conflict", 409)
    assert body["message"] and body["errors"] == {"Content-Range": ["must start at 0"]}
    assert {k: body[k] for k in ("sha256", "size", "received", "complete")} == {
        "sha256": digest,
        "size": None,
        "received": 0,
        "complete": False,
    }
    assert demo_client.get(status_url, headers=bearer(token)).get_json()["received"] == 0

    assert _put(demo_client, token, digest, photo[:1000], 0, total).status_code == 200
    skipped = _put(demo_client, token, digest, photo[2000:], 2000, total)
    assert skipped.status_code == 409
    body = skipped.get_json()
    status = demo_client.get(status_url, headers=bearer(token)).get_json()
    assert status == {"sha256": digest, "size": total, "received": 1000, "complete": False}
    assert {k: body[k] for k in status} == status
    assert body["errors"] == {"Content-Range": ["must start at 1000"]}

    other_size = _put(demo_client, token, digest, photo[1000:2000], 1000, total + 1)
    assert other_size.status_code == 409
    assert {k: other_size.get_json()[k] for k in status} == status

    # resumed from `received`, as the 409 said
    assert _put(demo_client, token, digest, photo[1000:], 1000, total).status_code == 200
    done = demo_client.get(status_url, headers=bearer(token)).get_json()
    assert done == {"sha256": digest, "size": total, "received": total, "complete": True}
    assert demo_client.get(f"/api/v1/photos/{digest}", headers=bearer(token)).data == photo


# -- conflicts, as officers list them ------------------------------------------------------------


def test_conflicts_are_listed_with_bare_values_as_pushes_give_them(
    demo_app, demo_client, inspector, staff
):
    created, _ = staff.push(staff.mutation("complaint", "create", complaint_fields()))
    cid = created["results"][0]["record_id"]
    staff.push(
        staff.mutation(
            "complaint", "update", {"summary": "已联系企业"}, record_id=cid, base_version=1
        )
    )
    field, _ = inspector.push(
        inspector.mutation(
            "complaint", "update", {"summary": "待查"}, record_id=cid, base_version=1
        )
    )
    people, _ = staff.push(
        staff.mutation("person", "create", {"name": "李四", "category": "deputy"}),
        staff.mutation("person", "create", {"name": "王五", "category": "deputy", "phone": "1"}),
    )
    gone, kept = (r["record_id"] for r in people["results"])
    staff.push(
        staff.mutation("person", "delete", record_id=gone, base_version=1),
        staff.mutation("person", "update", {"phone": "2"}, record_id=kept, base_version=1),
    )
    late, _ = inspector.push(
        inspector.mutation("person", "update", {"phone": "3"}, record_id=gone, base_version=1),
        inspector.mutation("person", "delete", record_id=kept, base_version=1),
    )
    answered = [field["results"][0], *late["results"]]
    assert [(r["outcome"], r["code"]) for r in answered] == [
        ("conflict", None),
        ("conflict", "record_deleted"),
        ("conflict", "changed_meanwhile"),
    ]

    listed = demo_client.get("/api/v1/sync/conflicts", headers=bearer(staff.token)).get_json()[
        "items"
    ]
    by_id = {item["id"]: item for item in listed}
    assert_fits(openapi(demo_client), schema_ref("ConflictPage"), {"items": listed, "page": {}})
    kinds = []
    for result in answered:
        (conflict,) = result["conflicts"]
        item = by_id[conflict["conflict_id"]]
        kinds.append(item["kind"])
        assert (item["field"], item["yours"], item["theirs"]) == (
            conflict["field"],
            conflict["yours"],
            conflict["theirs"],
        )
    assert kinds == ["field", "update_vs_delete", "delete_vs_update"]
    field_item = by_id[field["results"][0]["conflicts"][0]["conflict_id"]]
    assert (field_item["base"], field_item["yours"], field_item["theirs"]) == (
        None,
        "待查",
        "已联系企业",
    )
    assert by_id[late["results"][0]["conflicts"][0]["conflict_id"]]["yours"] == {"phone": "3"}
    assert by_id[late["results"][1]["conflicts"][0]["conflict_id"]]["yours"] == {"deleted": True}

    resolved = demo_client.post(
        f"/api/v1/sync/conflicts/{field_item['id']}/resolve",
        json={"choice": "edit", "value": "已核实"},
        headers=bearer(staff.token),
    ).get_json()
    assert (resolved["resolution"], resolved["resolved_value"]) == ("edit", "已核实")


# -- batches flagged for clock skew --------------------------------------------------------------


def test_officers_list_batches_flagged_for_clock_skew(demo_app, demo_client, inspector):
    other = Device.for_user(demo_app, demo_client, "bh_inspector")
    ahead = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    behind = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    skewed, _ = inspector.push(inspector.mutation("visit", "create", visit_fields()), sent_at=ahead)
    right, _ = inspector.push(inspector.mutation("visit", "create", visit_fields()))
    elsewhere, _ = other.push(other.mutation("visit", "create", visit_fields()), sent_at=behind)
    assert (skewed["clock_skew_flagged"], right["clock_skew_flagged"]) == (True, False)
    assert elsewhere["clock_skew_flagged"] is True

    def listed(username: str, query: str = "?clock_skew_flagged=true"):
        token = token_for(demo_app, username)
        return demo_client.get("/api/v1/sync/batches" + query, headers=bearer(token))

    station = listed("qs_staff").get_json()
    assert station["page"]["total_items"] == 1
    (item,) = station["items"]
    assert item["username"] == "qs_inspector"
    assert item["batch_seq"] == 1 and item["clock_skew_flagged"] is True
    assert item["clock_skew_seconds"] == skewed["clock_skew_seconds"]
    assert item["clock_skew_seconds"] > 7000
    assert item["received_at"] == skewed["received_at"]
    assert datetime.fromisoformat(item["sent_at"].replace("Z", "+00:00")) == (
        datetime.fromisoformat(ahead)
    )
    assert item["sent_at"].endswith("Z") and item["device_name"]

    county = listed("officer").get_json()
    assert [i["username"] for i in county["items"]] == ["bh_inspector", "qs_inspector"]
    assert county["items"][0]["clock_skew_seconds"] < -3 * 86400 + 60
    unflagged = listed("qs_staff", "?clock_skew_flagged=false").get_json()
    assert [(i["batch_seq"], i["clock_skew_flagged"]) for i in unflagged["items"]] == [(2, False)]
    assert listed("officer", "").get_json()["page"]["total_items"] == 3
    paged = listed("officer", "?clock_skew_flagged=true&page=2&page_size=1").get_json()
    assert [i["username"] for i in paged["items"]] == ["qs_inspector"]
    assert paged["page"]["total_pages"] == 2

    refused = listed("qs_inspector")
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "forbidden"
