"""Accounts: who am I, users and devices (administrator), and device registration by password."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask.views import MethodView
from flask_smorest import Api

from bureau.access import Action, authorize
from bureau.errors import Forbidden
from schemas.accounts import (
    DevicePage,
    DeviceRegistration,
    DeviceSchema,
    RegisteredDevice,
    UserPage,
    UserSchema,
    WhoAmI,
)
from schemas.common import PageArgs
from server.api.common import protected_blueprint, public_blueprint
from server.api.paging import paginate
from server.auth import current_actor, current_device
from server.extensions import db
from server.models import Device, User
from server.services import accounts
from server.services.sign_in import limits_from

URL = ""
blp = protected_blueprint("accounts", __name__, "Users and devices")
registration = public_blueprint(
    "registration",
    __name__,
    "Device registration with a user's password",
    errors=(401, 429),  # bad_credentials; too many wrong passwords (sign-in limits)
)


@blp.get("/me")
@blp.response(200, WhoAmI)
def whoami():
    """The user and device this token belongs to."""
    device = current_device()
    return {"user": device.user, "device": device}


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UserPage)
    @blp.errors(403)
    def get(self, args):
        """List users (administrator)."""
        authorize(current_actor(), Action.MANAGE_ACCOUNTS)
        rows, page = paginate(
            sa.select(User).order_by(User.username), page=args["page"], size=args["page_size"]
        )
        return {"items": rows, "page": page}

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    @blp.errors(403, 409)
    def post(self, data):
        """Create a user (administrator)."""
        authorize(current_actor(), Action.MANAGE_ACCOUNTS)
        user = accounts.add_user(**data)
        db.session.flush()
        return user


@blp.route("/devices")
class Devices(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DevicePage)
    def get(self, args):
        """List devices: all for the administrator, your own otherwise."""
        actor = current_actor()
        query = sa.select(Device).order_by(Device.id)
        if actor.role != "admin":
            query = query.where(Device.user_id == actor.user_id)
        rows, page = paginate(query, page=args["page"], size=args["page_size"])
        return {"items": rows, "page": page}


@blp.route("/devices/<int:device_id>")
class DeviceById(MethodView):
    @blp.response(200, DeviceSchema)
    @blp.errors(403)
    def delete(self, device_id: int):
        """Revoke a device's token: the administrator any, a user their own (e.g. a lost phone)."""
        actor = current_actor()
        device = db.session.get(Device, device_id)
        if device is not None and device.user_id != actor.user_id:
            try:
                authorize(actor, Action.MANAGE_ACCOUNTS)
            except Forbidden as error:
                raise Forbidden(
                    "Only the administrator may revoke another user's device."
                ) from error
        device = accounts.revoke_device(device_id)
        db.session.flush()
        return device


@registration.post("")
@registration.arguments(DeviceRegistration)
@registration.response(201, RegisteredDevice)
@registration.doc(security=[])
def register_device(data):
    """Register this device with a user's own username and password; the token is shown once."""
    device, token = accounts.register_device_with_password(
        data["username"],
        data["password"],
        data["name"],
        address=request.remote_addr or "unknown",
        limits=limits_from(current_app.config["FIELDSYNC"]),
    )
    db.session.flush()
    return {"device": device, "token": token}


def register_public(app: Flask, api: Api) -> None:
    api.register_blueprint(registration, url_prefix="/api/v1/devices/register")
