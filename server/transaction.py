"""One transaction per request, committed or rolled back here and nowhere else (DESIGN §2).

Views write through ``db.session`` and never commit (``tests/unit/test_one_commit_point.py``
checks it). After the view, and before the answer leaves the server, :func:`end_transaction`
(an ``after_request`` hook, so that the answer can still change) ends the request's
transaction:

* **1xx–3xx: commit.** A commit that fails (a unique violation or a serialization failure
  against a concurrent writer on PostgreSQL, a lost connection…) is rolled back and the answer
  becomes an error in its place: 409 ``conflict`` for a violated constraint, 503 ``unavailable``
  for a database that refused or failed (devices retry 5xx by themselves), 500 otherwise. A
  write that did not land is never answered 2xx; a 2xx answer's writes are durable before the
  client reads it (a push's stored batch among them).
* **4xx/5xx: roll back.** A domain error, an ``abort`` or an unexpected exception turned into
  an error answer leaves nothing behind, whatever the view wrote before it failed. A view whose
  refusal is itself a change to keep (an upload whose bytes do not match their hash is
  discarded) calls :func:`keep_writes` before refusing; that holds for 4xx answers only.
* **Bookkeeping that holds even when a request is refused** (the device's last-seen time,
  refreshed by authentication) goes through :func:`write_even_if_refused`: it is written just
  before the commit, so its row lock lasts only as long as the commit; after a 4xx it is written
  in a short transaction of its own (a failure there is logged, the answer stands); after a 5xx
  it is not written (the database may be what failed).
* **Streamed answers**: a streamed body is produced after the commit. Its generator may read
  (with ``stream_with_context``), in a transaction of its own that is rolled back when the
  request ends; what it writes is lost. Write before returning the response.

CLI commands and the services they call commit themselves: there, they are the caller.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, current_app, g

from server.errors import envelope
from server.extensions import db

_KEEP_WRITES = "_fieldsync_keep_writes"
_BOOKKEEPING = "_fieldsync_bookkeeping"


def register(app: Flask) -> None:
    """Install the commit point. Registered before any other ``after_request`` hook of the
    app, so that it runs after them all and sees the final answer."""
    app.after_request(end_transaction)


def keep_writes() -> None:
    """Commit this request's writes even though its answer will be a refusal (4xx)."""
    setattr(g, _KEEP_WRITES, True)


def write_even_if_refused(statement: sa.Executable) -> None:
    """Execute ``statement`` at the end of this request, whether it succeeds or is refused."""
    g.setdefault(_BOOKKEEPING, []).append(statement)


def end_transaction(response: Response) -> Response:
    """Commit on success, roll back on an error answer (see the module's docstring)."""
    keep = g.pop(_KEEP_WRITES, False)
    bookkeeping = g.pop(_BOOKKEEPING, [])
    if not bookkeeping and not db.session.registry.has():
        return response  # the request never touched the database
    status = response.status_code
    if status < 400 or (keep and status < 500):
        try:
            for statement in bookkeeping:
                db.session.execute(statement)
            db.session.commit()
        except Exception as error:
            _rollback()
            current_app.logger.warning(
                "commit failed; nothing of the request was saved (it was to answer %s)",
                status,
                exc_info=True,
            )
            response.close()  # a streamed body that will never be sent
            return _not_saved(error)
        return response
    _rollback()
    if bookkeeping and status < 500:
        try:
            for statement in bookkeeping:
                db.session.execute(statement)
            db.session.commit()
        except Exception:
            _rollback()
            current_app.logger.warning("bookkeeping of a refused request failed", exc_info=True)
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # a lost connection: the transaction is gone with it
        current_app.logger.warning("rollback failed", exc_info=True)


def _not_saved(error: Exception) -> Response:
    if isinstance(error, sa.exc.IntegrityError):
        return envelope(
            409,
            "This change conflicts with another one saved at the same time; nothing was "
            "saved. Reload and try again.",
        )
    if isinstance(error, sa.exc.OperationalError):
        return envelope(
            503,
            "The database could not save this change right now; nothing was saved. Try again.",
        )
    return envelope(500, "An unexpected error occurred while saving; nothing was saved.")
