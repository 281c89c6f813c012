"""What refuses one pushed mutation before storage: protocol §3, DESIGN §4 rules 1 and 12."""

from __future__ import annotations

import uuid

import pytest

from sync.admission import admit
from sync.entities import Context
from sync.outcome import Outcome


def mutation(entity="complaint", op="create", fields=None, **extra):
    m = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "entity": entity,
        "record_id": str(uuid.uuid4()),
        "op": op,
        "fields": {"category": "odour", "description": "刺鼻气味"} if fields is None else fields,
    }
    m.update(extra)
    return m


def code_of(m, schema_version=1) -> str | None:
    admitted = admit(m, schema_version, Context())
    return admitted.code if isinstance(admitted, Outcome) else None


def test_a_valid_create_is_admitted_with_its_fields_checked():
    admitted = admit(mutation(), 1, Context())
    assert admitted == {"category": "odour", "description": "刺鼻气味"}


@pytest.mark.parametrize(
    ("m", "schema_version", "code"),
    [
        (mutation(record_id="not-a-uuid"), 1, "invalid_record_id"),
        (mutation(), 99, "unsupported_schema_version"),
        (mutation(entity="roster_entry"), 1, "unsupported_operation"),
        (mutation(entity="spaceship"), 1, "unknown_entity"),
        (mutation(entity="visit", op="delete", base_version=1), 1, "unsupported_operation"),
        (mutation(op="update", fields={"status": "accepted"}), 1, "missing_base_version"),
        (mutation(fields={"category": "odour"}), 1, "invalid_fields"),
    ],
)
def test_each_refusal_is_that_mutations_rejected_with_a_code(m, schema_version, code):
    refused = admit(m, schema_version, Context())
    assert isinstance(refused, Outcome)
    assert (refused.outcome, refused.code, refused.mutation) == ("rejected", code, m)


def test_invalid_fields_name_the_field():
    refused = admit(mutation(fields={"category": "odour"}), 1, Context())
    assert isinstance(refused, Outcome)
    assert "description" in refused.errors
