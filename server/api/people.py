"""五个必访: the must-visit roster. Personal data: station staff see only their own station's."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView

from bureau.access import Action, authorize, people_scope
from bureau.errors import InvalidInput
from bureau.registry import person_from_mapping
from schemas.registry import PersonCollection, PersonFeature, PersonListArgs
from server.api.common import (
    bbox_filter,
    get_or_404,
    protected_blueprint,
    record_from_feature,
    station_id_for_code,
)
from server.api.paging import paginate
from server.auth import current_actor
from server.extensions import db
from server.models import Person
from server.services.outreach import refresh_current_rosters
from server.services.registry import check_values, create_record, delete_record, write_records
from server.services.sequence import SeqAllocator
from server.services.station_locator import StationLocator

URL = "/people"
blp = protected_blueprint("people", __name__, "Must-visit people (五个必访)", errors=(403,))


def _checked_station(record, locator: StationLocator) -> int | None:
    """The record checked against the registry's rules, and the station it belongs to: the
    one it names, else the one whose area holds it."""
    check_values("people", record, locator)
    if record.station_code:
        return locator.id_for_code(record.station_code)
    return locator.station_for(record.location)


@blp.route("")
class People(MethodView):
    @blp.arguments(PersonListArgs, location="query")
    @blp.response(200, PersonCollection)
    def get(self, args):
        """List must-visit people: all you may see, or one station's (403 if not yours)."""
        actor = current_actor()
        query = bbox_filter(sa.select(Person), Person.location, args.get("bbox"))
        if "station" in args:
            station_id = station_id_for_code(args["station"])
            authorize(actor, Action.READ_PEOPLE, station_id=station_id)
            query = query.where(Person.station_id == station_id)
        else:
            scope = people_scope(actor)
            if scope is not None:
                query = query.where(Person.station_id == scope)
        if "category" in args:
            query = query.where(Person.category == args["category"])
        rows, page = paginate(query.order_by(Person.id), page=args["page"], size=args["page_size"])
        return {"features": rows, "page": page}

    @blp.arguments(PersonFeature)
    @blp.response(201, PersonFeature)
    @blp.errors(409)
    def post(self, feature):
        """Add someone to the roster; the station is given or found from the location."""
        actor = current_actor()
        record = record_from_feature(person_from_mapping, feature)
        locator = StationLocator.load()
        station_id = _checked_station(record, locator)
        authorize(actor, Action.WRITE_PEOPLE, station_id=station_id)
        row = create_record("people", record)
        refresh_current_rosters()  # who must be visited follows the registry
        db.session.flush()
        return row


@blp.route("/<int:person_id>")
class PersonById(MethodView):
    @blp.response(200, PersonFeature)
    def get(self, person_id: int):
        """One person on the roster (403 for another station's staff)."""
        person = get_or_404(Person, person_id, "person")
        authorize(current_actor(), Action.READ_PEOPLE, station_id=person.station_id)
        return person

    @blp.arguments(PersonFeature)
    @blp.response(200, PersonFeature)
    def put(self, feature, person_id: int):
        """Replace what the registry holds about someone (the same write path as an import):
        a new version phones pull, and the rosters under way follow. The ref stays the ref."""
        actor = current_actor()
        person = get_or_404(Person, person_id, "person")
        authorize(actor, Action.WRITE_PEOPLE, station_id=person.station_id)
        record = record_from_feature(person_from_mapping, feature)
        if record.key != person.ref:
            raise InvalidInput(
                "A person's ref cannot change; add the new one and remove this one.",
                errors={"properties.ref": [f"must stay {person.ref!r}"]},
            )
        locator = StationLocator.load()
        station_id = _checked_station(record, locator)
        authorize(actor, Action.WRITE_PEOPLE, station_id=station_id)  # where they now belong
        write_records("people", [record], locator)
        refresh_current_rosters()  # who must be visited follows the registry
        db.session.flush()
        db.session.refresh(person)
        return person

    @blp.response(204)
    def delete(self, person_id: int):
        """Take someone off the registry, and so off the rosters of the rounds under way (a
        visit already made stays, with its review); phones drop them at their next pull. The
        same use case as a phone's delete (:func:`server.services.registry.delete_record`)."""
        person = get_or_404(Person, person_id, "person")
        authorize(current_actor(), Action.WRITE_PEOPLE, station_id=person.station_id)
        delete_record("people", person, sync_seq=SeqAllocator(1)())
        refresh_current_rosters()  # who must be visited follows the registry
