"""Users and devices on the wire. Passwords go in only; tokens come out once, at registration."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from bureau.vocabulary import ROLES
from schemas.common import PageInfo
from schemas.fields import UTCDateTime
from schemas.registry import StationRef

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]{2,64}$", error="2–64 letters, digits, '_', '.' or '-'."
)


class UserSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=USERNAME)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(
        required=True, validate=validate.OneOf(list(ROLES), error="Must be one of: {choices}.")
    )
    station = fields.Nested(StationRef, dump_only=True, allow_none=True)
    station_code = fields.String(
        load_only=True, allow_none=True, metadata={"description": "omit for county level"}
    )
    password = fields.String(
        load_only=True, required=True, validate=validate.Length(min=10, max=200)
    )
    is_active = fields.Boolean(dump_only=True)
    created_at = UTCDateTime(dump_only=True)


class UserPage(ma.Schema):
    items = fields.List(fields.Nested(UserSchema))
    page = fields.Nested(PageInfo)


class DeviceSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    username = fields.String(attribute="user.username")
    token_hint = fields.String(metadata={"description": "the token's first characters"})
    created_at = UTCDateTime()
    revoked_at = UTCDateTime(allow_none=True)
    last_seen_at = UTCDateTime(allow_none=True)


class DevicePage(ma.Schema):
    items = fields.List(fields.Nested(DeviceSchema))
    page = fields.Nested(PageInfo)


class DeviceRegistration(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "what the person calls the device, e.g. 'Li Na's phone'"},
    )


class RegisteredDevice(ma.Schema):
    device = fields.Nested(DeviceSchema)
    token = fields.String(
        metadata={"description": "the bearer token; shown only now, stored only as a hash"}
    )


class WhoAmI(ma.Schema):
    user = fields.Nested(UserSchema)
    device = fields.Nested(DeviceSchema)
