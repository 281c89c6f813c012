"""How pushes are configured, and what a push may hold (DESIGN §4 rules 3, 7 and 11).

The limits are published (``GET /sync/config``) and enforced twice: the API refuses a body
over ``max_push_bytes`` before parsing it, and the engine a batch of more than
``max_push_records`` mutations. Both answer 413 with the limits in ``errors`` (see
:func:`limit_errors`), so that a client can split what it sends without guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bureau.errors import DomainError


@dataclass(frozen=True)
class Settings:
    """From the ``FIELDSYNC_SYNC_*`` settings (``server.api.sync.sync_settings``)."""

    max_push_records: int = 1000
    max_push_bytes: int = 4 * 1024 * 1024
    gap_hold_seconds: float = 3600.0
    clock_skew_flag_seconds: float = 300.0


class PushTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


def limit_errors(settings: Settings) -> dict[str, list[str]]:
    """The ``errors`` of a 413: the limits a push must keep to."""
    return {
        "max_push_records": [str(settings.max_push_records)],
        "max_push_bytes": [str(settings.max_push_bytes)],
    }
