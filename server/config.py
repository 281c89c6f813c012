"""Configuration: defaults that serve the embedded database, overridden by ``FIELDSYNC_*``.

Nothing here runs at import time; :func:`load_config` is called by the app factory so that tests
and several app servers can each build their own configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_PREFIX = "FIELDSYNC_"

#: Settings an operator may set as ``FIELDSYNC_<NAME>``, with their types.
_TYPED_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "INSTANCE_PATH": str,
    "SECRET_KEY": str,
    "PAGE_SIZE_DEFAULT": int,
    "PAGE_SIZE_MAX": int,
    "SERVICE_AREA_BBOX": str,
    "MAX_CONTENT_LENGTH": int,
    "LOG_LEVEL": str,
    "SYNC_MAX_PUSH_RECORDS": int,
    "SYNC_MAX_PUSH_BYTES": int,
    "SYNC_GAP_HOLD_SECONDS": int,
    "SYNC_CLOCK_SKEW_FLAG_SECONDS": int,
    "SYNC_PULL_DEFAULT_LIMIT": int,
    "SYNC_PULL_MAX_LIMIT": int,
    "LINK_RADIUS_M": str,
    "NEAR_PROJECT_M": int,
    "DUPLICATE_RADIUS_M": int,
    "DUPLICATE_DAYS": int,
    "REBOUND_RADIUS_M": int,
    "REBOUND_DAYS": int,
    "VISIT_FAR_FROM_TARGET_M": int,
    "VISIT_POOR_ACCURACY_M": int,
    "VISIT_MAX_SPEED_KMH": int,
    "COUNTY_CODE": str,
    "CASE_ACCEPTANCE_DAYS": int,
    "CASE_RESOLUTION_DAYS": int,
    "CASE_MAX_EXTENSION_DAYS": int,
    "CASE_PROGRESS_INTERVAL_DAYS": int,
    "CASE_FOLLOW_UP_DAYS": int,
    "CASE_VERIFICATION_DAYS": int,
    "CASE_SOON_DAYS": int,
    "SIGN_IN_MAX_FAILURES_PER_USERNAME": int,
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": int,
    "SIGN_IN_WINDOW_SECONDS": int,
}


class ConfigError(ValueError):
    """A ``FIELDSYNC_*`` variable holds a value the server cannot use."""


def default_instance_path() -> Path:
    """Where the embedded database lives unless ``FIELDSYNC_INSTANCE_PATH`` says otherwise."""
    return Path.cwd() / "instance"


def defaults(instance_path: Path) -> dict[str, object]:
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'fieldsync.db'}",
        "SECRET_KEY": None,
        "PAGE_SIZE_DEFAULT": 50,
        "PAGE_SIZE_MAX": 500,
        # The county the demo data lives in, with a generous margin; coordinates outside it
        # are refused as "outside the service area". Operators set their own.
        "SERVICE_AREA_BBOX": "118.0,30.5,122.0,33.0",
        # 16 MiB: room for a large import body or a push, small enough to refuse abuse.
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "LOG_LEVEL": "INFO",
        # Sync limits (docs/sync-protocol.md §2), published at /api/v1/sync/config.
        "SYNC_MAX_PUSH_RECORDS": 1000,
        "SYNC_MAX_PUSH_BYTES": 4 * 1024 * 1024,
        "SYNC_GAP_HOLD_SECONDS": 3600,
        "SYNC_CLOCK_SKEW_FLAG_SECONDS": 300,
        "SYNC_PULL_DEFAULT_LIMIT": 500,
        "SYNC_PULL_MAX_LIMIT": 1000,
        # The spatial rules (DESIGN §5). Linking radii per complaint category override the
        # defaults in bureau/linking_defaults.py, e.g. "noise=300,odour=2500".
        "LINK_RADIUS_M": "",
        "NEAR_PROJECT_M": 500,
        "DUPLICATE_RADIUS_M": 300,
        "DUPLICATE_DAYS": 7,
        "REBOUND_RADIUS_M": 1000,
        "REBOUND_DAYS": 90,
        "VISIT_FAR_FROM_TARGET_M": 500,
        "VISIT_POOR_ACCURACY_M": 100,
        "VISIT_MAX_SPEED_KMH": 120,
        # casework: the county's administrative code in case numbers, and the clocks (days;
        # the lawful maxima are 15 to accept, 60 to resolve, 30 for the one extension)
        "COUNTY_CODE": "DEMO",
        "CASE_ACCEPTANCE_DAYS": 15,
        "CASE_RESOLUTION_DAYS": 60,
        "CASE_MAX_EXTENSION_DAYS": 30,
        "CASE_PROGRESS_INTERVAL_DAYS": 30,
        "CASE_FOLLOW_UP_DAYS": 30,
        "CASE_VERIFICATION_DAYS": 7,
        "CASE_SOON_DAYS": 3,
        # sign-in (bureau/sign_in.py): wrong passwords allowed per username and per client
        # address within the window, then 429 with Retry-After until enough have aged out
        "SIGN_IN_MAX_FAILURES_PER_USERNAME": 5,
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 20,
        "SIGN_IN_WINDOW_SECONDS": 900,
    }


def read_environment(environ: Mapping[str, str]) -> dict[str, object]:
    """The ``FIELDSYNC_*`` settings found in ``environ``, converted to their types."""
    found: dict[str, object] = {}
    for name, kind in _TYPED_SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None or raw == "":
            continue
        if kind is int:
            try:
                found[name] = int(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"{ENV_PREFIX}{name} must be a whole number, got {raw!r}"
                ) from exc
        else:
            found[name] = raw
    return found


def load_config(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, object] | None = None
) -> dict[str, object]:
    """Defaults, then the environment, then explicit overrides (a test config)."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    env = read_environment(environ)
    instance = Path(
        str(overrides.get("INSTANCE_PATH") or env.get("INSTANCE_PATH") or default_instance_path())
    ).resolve()
    config = defaults(instance)
    config.update(env)
    config.update(overrides)
    config["INSTANCE_PATH"] = str(instance)
    for key in ("PAGE_SIZE_DEFAULT", "PAGE_SIZE_MAX"):
        if int(config[key]) < 1:  # type: ignore[call-overload]
            raise ConfigError(f"{ENV_PREFIX}{key} must be at least 1")
    url = str(config["DATABASE_URL"])
    if not (url.startswith("sqlite:") or url.startswith("postgresql")):
        raise ConfigError(
            f"{ENV_PREFIX}DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url!r}"
        )
    return config
