"""Many rows at once: what ``insert_rows`` writes, ``one_of`` finds, whatever the values hold."""

from __future__ import annotations

import sqlalchemy as sa

from server.bulk import insert_rows, one_of
from server.extensions import db
from server.models import Photo, SyncCounter
from server.models.base import utcnow

AWKWARD = [
    'a "quoted" key',
    "back\\slash",
    "comma, and {braces}",
    "NULL",
    "",
    "  spaces  ",
    "污染 😷",
    "x" * 64,
]


def test_one_of_finds_exactly_the_rows_asked_for_whatever_their_keys_hold(app):
    with app.app_context():
        now = utcnow()
        insert_rows(
            db.session,
            Photo.__table__,
            [{"sha256": key, "complete": True, "received": 0, "created_at": now} for key in AWKWARD]
            + [{"sha256": "plain", "complete": True, "received": 0, "created_at": now}],
        )
        found = set(
            db.session.execute(
                sa.select(Photo.sha256).where(one_of(db.session, Photo.sha256, AWKWARD))
            ).scalars()
        )
        assert found == set(AWKWARD)
        # a longer key is not cut to the column's length and matched
        longer = db.session.execute(
            sa.select(Photo.sha256).where(one_of(db.session, Photo.sha256, ["x" * 65]))
        ).all()
        assert longer == []
        assert (
            db.session.execute(
                sa.select(Photo.sha256).where(one_of(db.session, Photo.sha256, []))
            ).all()
            == []
        )
        db.session.rollback()


def test_one_of_matches_numbers_as_numbers(app):
    with app.app_context():
        insert_rows(
            db.session,
            SyncCounter.__table__,
            [{"name": f"bulk test {n}", "value": 10**12 + n} for n in range(5)],
        )
        wanted = [10**12 + 1, 10**12 + 3, 7]
        names = db.session.execute(
            sa.select(SyncCounter.name).where(one_of(db.session, SyncCounter.value, wanted))
        ).scalars()
        assert sorted(names) == ["bulk test 1", "bulk test 3"]
        db.session.rollback()
