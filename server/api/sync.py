"""The sync endpoints: config, push, pull and the review lists (docs/sync-protocol.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm import load_only

from bureau.access import Action, authorize
from bureau.complainant_privacy import withhold_identity, withhold_value
from bureau.errors import Forbidden
from schemas.sync import (
    BatchListArgs,
    BatchPage,
    ConflictListArgs,
    ConflictOut,
    ConflictPage,
    MergePage,
    MutationPage,
    ProposalListArgs,
    ProposalOut,
    ProposalPage,
    PullArgs,
    PullOut,
    PushIn,
    PushOut,
    ResolveIn,
    SyncConfigOut,
)
from server.api.common import documents_errors, protected_blueprint
from server.api.paging import paginate
from server.auth import current_actor
from server.extensions import db
from server.models import (
    Device,
    RegistryProposal,
    SyncBatch,
    SyncConflict,
    SyncMerge,
    SyncMutation,
    User,
)
from server.models.base import utcnow
from server.services.proposals import decide as decide_on
from server.services.proposals import wire as proposal_wire
from server.services.spatial import spatial_settings
from server.services.sync_conflicts import resolve_conflict
from server.services.sync_pull import pull
from server.services.sync_push import BatchProcessor
from server.services.sync_push_settings import limit_errors
from server.settings import pull_settings, service_area, sync_settings
from sync.actor import DeviceActor
from sync.entities import CURRENT_SCHEMA_VERSION, SCHEMA_VERSIONS, describe_entities

URL = "/sync"
blp = protected_blueprint("sync", __name__, "Offline sync: push, pull, conflicts")
#: the error statuses a view answers besides those its shape implies (401 with a token, 400 and
#: 413 with a body, 404 with a record in its path, 422 with arguments: server.errors)
errors = documents_errors(blp)


def device_actor() -> DeviceActor:
    actor = current_actor()
    return DeviceActor(
        device_id=g.device_id, user_id=actor.user_id, role=actor.role, station_id=actor.station_id
    )


def _review_scope(query, model):
    """Officers and leaders at county level see every station's; station staff their own."""
    actor = current_actor()
    if actor.role in ("inspector",):
        raise Forbidden("Reviewing sync conflicts is for officers, leaders and station staff.")
    if actor.station_id is not None:
        query = query.where(model.station_id == actor.station_id)
    return query


@blp.get("/config")
@blp.response(200, SyncConfigOut)
def config():
    """Limits, supported schema versions and the server's clock."""
    settings, pulls = sync_settings(), pull_settings()
    return {
        "schema_versions": list(SCHEMA_VERSIONS),
        "current_schema_version": CURRENT_SCHEMA_VERSION,
        "max_push_records": settings.max_push_records,
        "max_push_bytes": settings.max_push_bytes,
        "default_pull_limit": pulls.default_limit,
        "max_pull_limit": pulls.max_limit,
        "gap_hold_seconds": settings.gap_hold_seconds,
        "clock_skew_flag_seconds": settings.clock_skew_flag_seconds,
        "server_time": utcnow(),
        "entities": describe_entities(),
    }


def _refuse_oversized() -> None:
    settings = sync_settings()
    length = request.content_length
    if length is not None and length > settings.max_push_bytes:
        abort(
            413,
            message=(
                f"A push may be at most {settings.max_push_bytes} bytes; this one has "
                f"{length}. Split it."
            ),
            errors=limit_errors(settings),
        )


@blp.route("/push")
class Push(MethodView):
    @blp.arguments(PushIn)
    @errors(403, 409)
    @blp.doc(
        responses={
            "200": {
                "description": "one result per mutation",
                "content": {"application/json": {"schema": PushOut}},
            }
        }
    )
    def post(self, batch):
        """Push a batch of mutations; one outcome per mutation; replays are free."""
        processor = BatchProcessor(
            device_actor(), sync_settings(), service_area(), spatial_settings()
        )
        answer = processor.process(batch)
        db.session.flush()
        return fast_json(answer)


@blp.before_request
def _limit_push_size():
    if request.endpoint == "sync.Push":
        _refuse_oversized()


@blp.get("/pull")
@blp.arguments(PullArgs, location="query")
@errors(410)
@blp.doc(
    responses={
        "200": {
            "description": "a page of changes",
            "content": {"application/json": {"schema": PullOut}},
        }
    }
)
def pull_changes(args):
    """Changes after a cursor, in commit order, within this device's scope."""
    return fast_json(pull(device_actor(), args["cursor"], args["limit"], pull_settings()))


def fast_json(body: dict) -> Response:
    """Pushes and pulls carry thousands of records: their answers are built as plain JSON
    data by the sync services (documented by ``PushOut``/``PullOut``) and encoded once,
    instead of being walked field by field by marshmallow."""
    return Response(
        orjson.dumps(
            body,
            default=_json_default,
            option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS,
        ),
        mimetype="application/json",
    )


def _json_default(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot encode {type(value).__name__}")


@blp.get("/conflicts")
@blp.arguments(ConflictListArgs, location="query")
@blp.response(200, ConflictPage)
@errors(403)
def conflicts(args):
    """Fields two people changed differently, waiting for an officer (or resolved)."""
    query = sa.select(SyncConflict).where(SyncConflict.status == args["status"])
    query = _review_scope(query, SyncConflict).order_by(SyncConflict.id)
    rows, page = paginate(query, page=args["page"], size=args["page_size"])
    return {"items": [_conflict_out(row) for row in rows], "page": page}


@blp.post("/conflicts/<int:conflict_id>/resolve")
@blp.arguments(ResolveIn)
@blp.response(200, ConflictOut)
@errors(403, 409)
def resolve(data, conflict_id: int):
    """Keep the device's value, keep the server's, or set another; devices pull the result."""
    actor = current_actor()
    if actor.role not in ("admin", "officer", "leader", "station_staff"):
        raise Forbidden("Resolving conflicts is for officers, leaders and station staff.")
    conflict = resolve_conflict(device_actor(), conflict_id, data["choice"], data.get("value"))
    db.session.flush()
    return _conflict_out(conflict)


@blp.get("/merges")
@blp.arguments(ConflictListArgs(only=("page", "page_size")), location="query")
@blp.response(200, MergePage)
@errors(403)
def merges(args):
    """Every automatic merge: which fields, from which device, on which versions."""
    query = _review_scope(sa.select(SyncMerge), SyncMerge).order_by(SyncMerge.id.desc())
    rows, page = paginate(query, page=args["page"], size=args["page_size"])
    return {"items": rows, "page": page}


def _mutation_list(outcome: str, args):
    authorize(current_actor(), Action.READ_REGISTRY)
    query = sa.select(SyncMutation).where(SyncMutation.outcome == outcome)
    query = _review_scope(query, SyncMutation).order_by(SyncMutation.id.desc())
    rows, page = paginate(query, page=args["page"], size=args["page_size"])
    return {"items": [_without_identity(row) for row in rows], "page": page}


def _columns(row) -> dict:
    """A stored row's columns by attribute name, for an answer that changes a few of them."""
    return {c.key: getattr(row, c.key) for c in sa.inspect(type(row)).column_attrs}


def _without_identity(mutation: SyncMutation) -> dict:
    """A kept mutation as the review lists show it: its payload's complainant withheld
    (:func:`bureau.complainant_privacy.withhold_identity`)."""
    payload = dict(mutation.payload or {})
    if "fields" in payload:
        payload["fields"] = withhold_identity(payload["fields"])
    shown = _columns(mutation)
    return shown | {"payload": payload}


def _conflict_out(conflict: SyncConflict) -> dict:
    """A conflict as reviewers see it: a complainant's name or phone withheld, as in every
    review list (the case page shows them to the case's handlers)."""
    shown = _columns(conflict)
    for side in ("base", "theirs", "yours", "resolved"):
        value = getattr(conflict, side)
        shown[side] = (
            withhold_identity(value)
            if conflict.field == "*"
            else withhold_value(conflict.field, value)
        )
    return shown


@blp.get("/quarantine")
@blp.arguments(ConflictListArgs(only=("page", "page_size")), location="query")
@blp.response(200, MutationPage)
@errors(403)
def quarantine(args):
    """Rejected mutations, kept with their payloads and reasons."""
    return _mutation_list("rejected", args)


@blp.get("/batches")
@blp.arguments(BatchListArgs, location="query")
@blp.response(200, BatchPage)
@errors(403)
def batches(args):
    """Received batches, newest first; ``clock_skew_flagged=true``: only those whose device
    clock was off by more than ``clock_skew_flag_seconds`` when it sent them. The same readers
    as the quarantine; station accounts see their station's devices' batches."""
    actor = current_actor()
    authorize(actor, Action.READ_REGISTRY)
    if actor.role in ("inspector",):
        raise Forbidden("Reviewing sync batches is for officers, leaders and station staff.")
    query = (
        sa.select(SyncBatch)
        .options(load_only(*(getattr(SyncBatch, c) for c in _BATCH_COLUMNS)))
        .join(Device, Device.id == SyncBatch.device_id)
        .join(User, User.id == Device.user_id)
        .order_by(SyncBatch.received_at.desc(), SyncBatch.id.desc())
    )
    if args["clock_skew_flagged"] is not None:
        query = query.where(SyncBatch.clock_skew_flagged.is_(args["clock_skew_flagged"]))
    if actor.station_id is not None:
        query = query.where(User.station_id == actor.station_id)
    rows, page = paginate(query, page=args["page"], size=args["page_size"])
    devices = {
        device.id: device
        for device in db.session.execute(
            sa.select(Device).where(Device.id.in_({row.device_id for row in rows}))
        ).scalars()
    }
    items = [
        {c: getattr(row, c) for c in _BATCH_COLUMNS}
        | {
            "device_name": devices[row.device_id].name,
            "username": devices[row.device_id].user.username,
        }
        for row in rows
    ]
    return {"items": items, "page": page}


_BATCH_COLUMNS = (
    "id",
    "device_id",
    "batch_seq",
    "sent_at",
    "received_at",
    "clock_skew_seconds",
    "clock_skew_flagged",
)


@blp.get("/held")
@blp.arguments(ConflictListArgs(only=("page", "page_size")), location="query")
@blp.response(200, MutationPage)
@errors(403)
def held(args):
    """Mutations waiting for a lower seq of their device."""
    return _mutation_list("held", args)


@blp.get("/proposals")
@blp.arguments(ProposalListArgs, location="query")
@blp.response(200, ProposalPage)
@errors(403)
def proposals(args):
    """Registry changes proposed from the field, waiting for an officer (or decided)."""
    query = sa.select(RegistryProposal).where(RegistryProposal.status == args["status"])
    query = _review_scope(query, RegistryProposal).order_by(RegistryProposal.id)
    rows, page = paginate(query, page=args["page"], size=args["page_size"])
    return {
        "items": [proposal_wire(row) | {"proposal_id": row.id, "kind": row.kind} for row in rows],
        "page": page,
    }


@blp.post("/proposals/<int:proposal_id>/<any(accept, reject):decision>")
@blp.response(200, ProposalOut)
@errors(403, 409, 422)
def decide_proposal(proposal_id: int, decision: str):
    """Accept (apply to the registry, validated like an import) or reject a proposal."""
    authorize(current_actor(), Action.WRITE_REGISTRY)
    proposal = decide_on(proposal_id, decision == "accept", service_area=service_area())
    db.session.flush()
    return proposal_wire(proposal) | {"proposal_id": proposal.id, "kind": proposal.kind}
