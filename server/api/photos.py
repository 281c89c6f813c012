"""Photos by SHA-256, uploaded whole or in resumable chunks (docs/sync-protocol.md §5)."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from flask import Response, request
from flask_smorest import abort

from schemas.sync import PhotoConflictOut, PhotoStatusOut
from server.api.common import documents_errors, protected_blueprint
from server.auth import current_actor
from server.extensions import db
from server.models import Photo, PhotoChunk, Visit
from server.transaction import keep_writes
from sync.entities import SHA256_HEX

URL = "/photos"
#: a photo is addressed by its SHA-256, not looked up by it: only a download answers 404
blp = protected_blueprint("photos", __name__, "Photos addressed by their SHA-256", lookups=False)
errors = documents_errors(blp)

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
MAX_PHOTO_BYTES = 32 * 1024 * 1024


def _check_hash(sha256: str) -> None:
    if not SHA256_HEX.fullmatch(sha256):
        abort(
            422,
            message="The photo is addressed by the lower-case hex SHA-256 of its bytes.",
            errors={"sha256": ["must be 64 lower-case hex characters"]},
        )


def _status(photo: Photo | None, sha256: str) -> dict:
    if photo is None:
        return {"sha256": sha256, "size": None, "received": 0, "complete": False}
    return {
        "sha256": sha256,
        "size": photo.size,
        "received": photo.received,
        "complete": photo.complete,
    }


@blp.get("/<sha256>/status")
@blp.response(200, PhotoStatusOut)
@errors(422)
def status(sha256: str):
    """How much of a photo has arrived: resume from ``received``."""
    _check_hash(sha256)
    return _status(db.session.get(Photo, sha256), sha256)


@blp.put("/<sha256>")
@blp.response(200, PhotoStatusOut)
@blp.alt_response(
    409,
    schema=PhotoConflictOut,
    description="the chunk does not start at `received` (or names another total size): "
    "the error envelope with the photo's status, to resume from",
)
@errors(400, 413, 422)  # its body is the photo's bytes, not JSON: declared here
def upload(sha256: str):
    """Upload the bytes, or the chunk given by ``Content-Range: bytes a-b/total``."""
    _check_hash(sha256)
    data = request.get_data(cache=False)
    header = request.headers.get("Content-Range")
    if header:
        match = _RANGE.match(header.strip())
        if not match:
            abort(400, message="Content-Range must look like 'bytes 0-1048575/3145728'.")
        start, end, total = (int(g) for g in match.groups())
        if end - start + 1 != len(data) or end >= total:
            abort(400, message="Content-Range does not match the body's length.")
    else:
        start, total = 0, len(data)
    if total > MAX_PHOTO_BYTES:
        abort(413, message=f"A photo may be at most {MAX_PHOTO_BYTES} bytes.")
    photo = db.session.get(Photo, sha256)
    if photo is not None and photo.complete:
        return _status(photo, sha256)
    if photo is not None and photo.size != total:
        abort(
            409,
            message=f"This photo's size was given as {photo.size} before.",
            errors={"Content-Range": [f"total must be {photo.size}"]},
            extra=_status(photo, sha256),
        )
    received = 0 if photo is None else photo.received
    if start != received:
        # the status as GET …/status gives it, so that the device resumes from `received`
        abort(
            409,
            message=f"Send from byte {received}.",
            errors={"Content-Range": [f"must start at {received}"]},
            extra=_status(photo, sha256),
        )
    if photo is None:
        photo = Photo(
            sha256=sha256,
            size=total,
            received=0,
            complete=False,
            content_type=request.mimetype or None,
            uploaded_by=current_actor().user_id,
        )
        db.session.add(photo)
        db.session.flush()
    if data:
        db.session.add(PhotoChunk(sha256=sha256, offset=start, data=data))
        photo.received = start + len(data)
    if photo.received == total:
        chunks = db.session.execute(
            sa.select(PhotoChunk.data)
            .where(PhotoChunk.sha256 == sha256)
            .order_by(PhotoChunk.offset)
        ).scalars()
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            db.session.execute(sa.delete(PhotoChunk).where(PhotoChunk.sha256 == sha256))
            db.session.delete(photo)
            keep_writes()  # the discard stands, though the answer is 422
            abort(
                422,
                message="The bytes do not match the SHA-256; the upload was discarded.",
                errors={"sha256": ["does not match the uploaded bytes"]},
            )
        photo.complete = True
    db.session.flush()
    return _status(photo, sha256)


def _may_read(photo: Photo) -> bool:
    actor = current_actor()
    if photo.uploaded_by is not None and photo.uploaded_by == actor.user_id:
        return True
    # the hash is 64 hex characters (checked): safe inside the pattern, quotes included
    shows_it = sa.cast(Visit.photos, sa.Text).like(f'%"{photo.sha256}"%')
    query = sa.select(Visit.id).where(shows_it)
    if actor.station_id is not None:
        query = query.where(Visit.station_id == actor.station_id)
    return db.session.execute(query.limit(1)).first() is not None


@blp.get("/<sha256>")
@blp.doc(responses={200: {"description": "the photo's bytes"}})
@errors(404, 422)
def download(sha256: str):
    """The photo's bytes, once complete: for whoever may read a visit that shows it (accounts
    of the visit's station, county-level accounts), and for its uploader. To anyone else it is
    404, as if it did not exist: a hash must not tell another station what was photographed."""
    _check_hash(sha256)
    photo = db.session.get(Photo, sha256)
    if photo is None or not photo.complete or not _may_read(photo):
        abort(404, message="No complete photo has this SHA-256.")
    chunks = db.session.execute(
        sa.select(PhotoChunk.data).where(PhotoChunk.sha256 == sha256).order_by(PhotoChunk.offset)
    ).scalars()
    return Response(b"".join(chunks), mimetype=photo.content_type or "application/octet-stream")
