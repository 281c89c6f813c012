"""Helpers the views share: bbox filters, lookups (stations, users), record building from a
Feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from webargs.core import missing, parse_json
from webargs.flaskparser import FlaskParser, is_json_request

from bureau.errors import InvalidInput, NotFound
from gis.geometry import parse_bbox
from gis.spatial_sql import intersects_bbox
from server.auth import authenticate_request
from server.errors import LOOKUPS, response_name
from server.extensions import db
from server.json_input import load_json
from server.models import Station, User
from server.services.accounts import find_user
from server.settings import service_area


class BodyParser(FlaskParser):
    """webargs' parser reading JSON bodies with orjson, several times faster on a push of a
    thousand mutations. A body orjson refuses (``NaN``, which Python's reader accepts) goes to
    the standard library as before, so that one bad coordinate still rejects only its own
    record, never its whole batch."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        try:
            return load_json(data)  # NUL, lone surrogates, nesting: 422 naming the field
        except ValueError:
            return parse_json(data)  # webargs' own 400 for what is not JSON


BODY_PARSER = BodyParser()


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint whose operations document the errors they can answer, each
    with the error envelope (the OpenAPI ``Error`` schema).

    What follows from an operation's shape is documented for all of them at once
    (:class:`server.errors.ErrorResponses`: 401 with a token, 400/413 with a body, 404 with a
    path naming a record, 409 when it writes, 422). Beside that:

    - ``errors``: the statuses every operation of the blueprint can answer (``(403,)`` when
      each of its views asks :mod:`bureau.access`);
    - ``lookups=False``: its path parameters do not name records (a photo's SHA-256), so its
      operations answer no 404 unless a view says so;
    - ``@blp.errors(409, …)`` on a view: the statuses that view (or its service) adds.
    """

    def __init__(self, *args, errors: tuple[int, ...] = (), lookups: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_statuses = tuple(errors)
        self.lookups = lookups
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def errors(self, *statuses: int):
        """Decorate a view: it answers ``statuses`` too, with the error envelope."""

        def decorate(view):
            for status in statuses:
                view = self.alt_response(status, response=response_name(status))(view)
            return view

        return decorate

    def _prepare_errors_doc(self, doc, doc_info, **kwargs):
        responses = doc.setdefault("responses", {})
        for status in self.error_statuses:
            if status not in responses and str(status) not in responses:
                responses[status] = response_name(status)
        if not self.lookups:
            doc[LOOKUPS] = False
        return doc


def documents_errors(blueprint: ApiBlueprint):
    """``errors = documents_errors(blp)``, then ``@errors(403, 404)`` on a view: the same as
    ``@blp.errors(403, 404)``."""
    return blueprint.errors


def public_blueprint(
    name: str, import_name: str, description: str, *, errors: tuple[int, ...] = ()
) -> ApiBlueprint:
    """A blueprint open without a token; its bodies are read as every other one's; ``errors``
    as for :class:`ApiBlueprint`."""
    blueprint = ApiBlueprint(name, import_name, description=description, errors=errors)
    blueprint.ARGUMENTS_PARSER = BODY_PARSER
    return blueprint


def protected_blueprint(
    name: str,
    import_name: str,
    description: str,
    *,
    errors: tuple[int, ...] = (),
    lookups: bool = True,
) -> ApiBlueprint:
    """A blueprint whose every request must carry a valid device token (else 401); ``errors``
    and ``lookups`` as for :class:`ApiBlueprint`."""
    blueprint = ApiBlueprint(
        name, import_name, description=description, errors=errors, lookups=lookups
    )
    blueprint.ARGUMENTS_PARSER = BODY_PARSER
    blueprint.before_request(authenticate_request)
    return blueprint


def bbox_filter(query: sa.Select, column, text: str | None) -> sa.Select:
    if not text:
        return query
    return query.where(intersects_bbox(column, parse_bbox(text, "bbox")))


def station_id_for_code(code: str, field: str = "station") -> int:
    station_id = db.session.execute(sa.select(Station.id).where(Station.code == code)).scalar()
    if station_id is None:
        raise InvalidInput(
            f"No station has the code {code!r}.", errors={field: ["unknown station"]}
        )
    return station_id


def asked_station(args: dict, station_id: int | None) -> int | None:
    """The station a request asks for (``?station=<code>``), else ``station_id`` (the
    account's own); whether the account may read it is the caller's check."""
    return station_id_for_code(args["station"]) if "station" in args else station_id


def get_or_404(model, ident: int, label: str):
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(f"No {label} has the id {ident}.")
    return row


def record_from_feature(build: Callable[..., Any], feature: dict) -> Any:
    """Build a bureau record from a loaded Feature, naming fields as ``properties.<name>``."""
    try:
        return build(feature["properties"], feature.get("geometry"), service_area=service_area())
    except InvalidInput as error:
        raise InvalidInput(
            error.message,
            errors={
                (name if name == "geometry" else f"properties.{name}"): reasons
                for name, reasons in error.errors.items()
            },
        ) from error


def user_named(username: str, field: str) -> User:
    """The active user named in a request's ``field``: an unknown one is bad input (422)."""
    try:
        user = find_user(username)
    except NotFound:
        user = None
    if user is None or not user.is_active:
        raise InvalidInput(
            f"No active user is called {username!r}.", errors={field: ["unknown user"]}
        )
    return user


def usernames(ids) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())
