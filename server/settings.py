"""The running app's settings, as the API, the services and the command line use them.

:func:`server.config.load_config` puts the ``FIELDSYNC_*`` values in ``app.config["FIELDSYNC"]``
when the app is built; the functions here read them, inside an app context, into the objects
the code works with. Views, services and CLI commands all import them from here (a service
never reaches up into ``server.api`` for its settings).
"""

from __future__ import annotations

from flask import current_app

from gis.geometry import BBox, parse_bbox
from server.services.sync_pull import PullSettings
from server.services.sync_push_settings import Settings


def service_area() -> BBox:
    return parse_bbox(current_app.config["FIELDSYNC"]["SERVICE_AREA_BBOX"], "SERVICE_AREA_BBOX")


def sync_settings() -> Settings:
    config = current_app.config["FIELDSYNC"]
    return Settings(
        max_push_records=int(config["SYNC_MAX_PUSH_RECORDS"]),
        max_push_bytes=int(config["SYNC_MAX_PUSH_BYTES"]),
        gap_hold_seconds=float(config["SYNC_GAP_HOLD_SECONDS"]),
        clock_skew_flag_seconds=float(config["SYNC_CLOCK_SKEW_FLAG_SECONDS"]),
    )


def pull_settings() -> PullSettings:
    config = current_app.config["FIELDSYNC"]
    return PullSettings(
        default_limit=int(config["SYNC_PULL_DEFAULT_LIMIT"]),
        max_limit=int(config["SYNC_PULL_MAX_LIMIT"]),
    )
