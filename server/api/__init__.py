"""API blueprints under ``/api/v1``, plus ``/healthz`` and the OGC API map layers at ``/ogc``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def register_blueprints(app: Flask, api: Api) -> None:
    from schemas import sync_records
    from schemas.fields import register_field_docs
    from server.api import (
        accounts,
        cases,
        enterprises,
        health,
        ogc,
        outreach,
        people,
        photos,
        projects,
        spatial,
        stations,
        supervision,
        sync,
    )

    register_field_docs(api.ma_plugin)
    # named before any view refers to them: each synced entity's records and mutations (built
    # from the declaration in sync.entities)
    sync_records.register(api.spec)
    app.register_blueprint(health.blp)
    app.register_blueprint(ogc.blp)
    for module in (
        stations,
        enterprises,
        projects,
        people,
        accounts,
        sync,
        photos,
        spatial,
        cases,
        supervision,
        outreach,
    ):
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL)
    accounts.register_public(app, api)
