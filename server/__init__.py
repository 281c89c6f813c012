"""The Flask application factory: the only entry point into the server package."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

API_VERSION = "v1"
API_PREFIX = f"/api/{API_VERSION}"


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build an app: defaults → ``FIELDSYNC_*`` environment → ``test_config``.

    Nothing is read at import time, so tests and several app servers each build their own.
    """
    from server.config import load_config
    from server.database import attach_connection_hooks, engine_options, normalize_url
    from server.json_provider import FieldsyncJSONProvider

    settings = load_config(overrides=test_config)
    instance_path = Path(str(settings["INSTANCE_PATH"]))
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    url = normalize_url(str(settings["DATABASE_URL"]))
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config.update(
        FIELDSYNC=settings,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        MAX_CONTENT_LENGTH=settings["MAX_CONTENT_LENGTH"],
        SECRET_KEY=settings["SECRET_KEY"],
        API_TITLE="fieldsync",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "Offline field-sync server of a county environmental protection bureau. "
                    "Authenticate with a device token: `Authorization: Bearer <token>`."
                )
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json = FieldsyncJSONProvider(app)
    app.logger.setLevel(str(settings["LOG_LEVEL"]).upper())
    logging.getLogger("waitress").setLevel(logging.INFO)

    from server import transaction
    from server.errors import FieldsyncApi
    from server.extensions import db

    db.init_app(app)
    transaction.register(app)  # one commit point per request, after every other hook
    with app.app_context():
        attach_connection_hooks(db.engine)
        _check_case_clocks()
    from server.request_guard import install_request_checks, install_url_rules

    install_url_rules(app)
    api = FieldsyncApi(app)
    install_request_checks(app, api)

    from server import errors
    from server.api import register_blueprints

    register_blueprints(app, api)
    errors.register(app)
    if not app.testing:
        # The objects built so far (models, schemas, the OpenAPI document) live as long as the
        # process. Left to the cyclic collector they are re-scanned on every full collection:
        # 60-80 ms pauses in the middle of requests that allocate a lot (a pull page, linking
        # a complaint near an industrial park). Frozen, they are never scanned again.
        gc.freeze()
    return app


def _check_case_clocks() -> None:
    """Refuse to start with casework clocks beyond the law, naming the variable to fix."""
    from bureau.errors import InvalidInput
    from server.config import ENV_PREFIX, ConfigError
    from server.services.casework import CLOCK_SETTINGS, case_clocks

    try:
        case_clocks()
    except InvalidInput as error:
        problems = "; ".join(
            f"{ENV_PREFIX}{CLOCK_SETTINGS[name]} {', '.join(reasons)}"
            for name, reasons in error.errors.items()
        )
        raise ConfigError(problems) from error
