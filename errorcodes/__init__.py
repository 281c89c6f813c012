"""The error catalogue: every code fieldsync answers with, its HTTP status and what it means.

Two kinds of code live here:

- :data:`ERRORS`: the ``code`` of an error envelope ``{code, status, message, errors}``, each
  with the one HTTP status it is answered with. The error classes take their status from here
  (:class:`bureau.errors.DomainError` checks its subclasses' codes when they are defined,
  :class:`gis.errors.GeometryError` reads its status here) and the server's error handler
  names plain HTTP errors (a bad JSON body, an unknown path…) with :data:`GENERIC`.
- :data:`PUSH_CODES`: the ``code`` of one mutation's outcome in a push answer (``rejected``,
  or a ``conflict`` of a whole record). They answer inside a 200: one bad record never fails its
  batch. A mutation refused by a bureau rule (a case's lifecycle, a reply's channel…) is
  rejected with that rule's code from :data:`ERRORS` instead (its HTTP status does not apply).

This package sits below every other (imports run ``server`` → ``schemas`` → (``sync``,
``bureau``) → ``gis`` → ``errorcodes``) and imports nothing but the standard library, so that
the geometry, sync and bureau rules can all take their codes from this one list and still know
nothing of Flask. ``docs/errors.md`` lists the same codes for people; ``tests/unit/
test_error_catalogue.py`` keeps the two in step and checks that every code the source uses is
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType

__all__ = [
    "ERRORS",
    "GENERIC",
    "GROUPS",
    "PUSH_CODES",
    "ErrorCode",
    "PushCode",
    "codes_in",
    "generic_code",
    "status_of",
]


@dataclass(frozen=True)
class ErrorCode:
    """An error envelope's ``code``: the HTTP ``status`` it is answered with and its meaning."""

    code: str
    status: int
    meaning: str
    group: str
    #: the code of a plain HTTP error of this status (a Werkzeug/flask-smorest ``abort``)
    generic: bool = False


@dataclass(frozen=True)
class PushCode:
    """A pushed mutation's outcome ``code``: answered inside the push's 200, per mutation."""

    code: str
    outcome: str  # "rejected" | "conflict"
    meaning: str

    status = 200  # the push answers 200 whatever its mutations' outcomes


#: group → a heading for the documentation, in the order ``docs/errors.md`` lists them
GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "http": "Any endpoint",
        "accounts": "Accounts",
        "sync": "Sync",
        "registry": "Registry and imports",
        "casework": "Casework (the five replies)",
        "outreach": "Outreach",
        "geometry": "Coordinates and geometry",
    }
)


def _table(group: str, *rows: tuple[str, int, str], generic: bool = False) -> list[ErrorCode]:
    return [ErrorCode(code, status, meaning, group, generic) for code, status, meaning in rows]


_ERRORS = [
    *_table(
        "http",
        (
            "bad_request",
            400,
            "The request cannot be read: a body that is not valid JSON, a header that does not "
            "parse (a photo's Content-Range).",
        ),
        (
            "unauthorized",
            401,
            "No valid device token: missing, unknown or revoked, or its user deactivated. "
            "Answered with `WWW-Authenticate: Bearer`.",
        ),
        ("forbidden", 403, "The account's role or station does not allow this."),
        (
            "not_found",
            404,
            "Nothing has the id, number or path asked for (or the account may not know that it "
            "exists).",
        ),
        ("method_not_allowed", 405, "The path exists, but not with this HTTP method."),
        (
            "conflict",
            409,
            "The request clashes with what is stored: a natural key already taken (a station "
            "code, a credit code, a username), a proposal or conflict already decided, a photo "
            "chunk that does not start where the upload stands (with the photo's status), or a "
            "change saved at the same time as this one (nothing was saved: reload and retry).",
        ),
        (
            "payload_too_large",
            413,
            "The body is larger than the server accepts: a request over MAX_CONTENT_LENGTH, a "
            "push over max_push_records or max_push_bytes (`errors` gives the limits: split it), "
            "a photo over 32 MiB.",
        ),
        (
            "invalid_input",
            422,
            "The input is wrong: a field missing, unknown, of the wrong type or out of range, an "
            "unknown station or user named, a page size over the maximum. `errors` maps each "
            "field's path to its reasons.",
        ),
        ("internal_error", 500, "An unexpected error; it has been logged."),
        ("unavailable", 503, "The database cannot be reached right now; try again later."),
        generic=True,
    ),
    *_table(
        "http",
        (
            "domain_error",
            422,
            "A bureau rule was broken; the base of every rule's code, answered only by a rule "
            "that names no more specific one.",
        ),
        (
            "invalid_parameter",
            400,
            "An OGC API – Features query parameter (limit, offset, bbox, datetime…) the server "
            "cannot use; OGC API answers 400 where the rest of the API answers 422.",
        ),
    ),
    *_table(
        "accounts",
        (
            "bad_credentials",
            401,
            "Device registration with an unknown username, a wrong password or a deactivated user.",
        ),
        (
            "too_many_attempts",
            429,
            "Too many wrong passwords lately for this username or from this address; try again "
            "after `Retry-After` seconds.",
        ),
    ),
    *_table(
        "sync",
        (
            "batch_mismatch",
            409,
            "A `batch_seq` this device used before, sent again with other mutations.",
        ),
        (
            "resync_required",
            410,
            "The pull cursor is older than the tombstone watermark, or the device's scope "
            "changed since it was issued: drop local copies and pull again without a cursor.",
        ),
    ),
    *_table(
        "registry",
        (
            "invalid_credit_code",
            422,
            "An enterprise's unified social credit code (统一社会信用代码) that cannot be right: "
            "its length, a character, the check character, the registration authority or the "
            "division code.",
        ),
        (
            "invalid_import_file",
            422,
            "An import file that cannot be read at all (missing, not UTF-8, not CSV or GeoJSON, "
            "no header); no row of it was used.",
        ),
    ),
    *_table(
        "casework",
        ("case_state_conflict", 409, "The case's current state forbids this step."),
        ("case_input_error", 422, "The step's input breaks a casework rule."),
        (
            "illegal_transition",
            422,
            "A complaint status move the lifecycle does not allow from the current status.",
        ),
        (
            "close_without_result_reply",
            409,
            "A case cannot close before the complainant has been given the result (回复).",
        ),
        (
            "close_without_follow_up",
            409,
            "A case cannot close before a satisfied follow-up visit (回访) after its result.",
        ),
        (
            "close_without_verification",
            409,
            "A rectification order closes only after a verification visit found it done.",
        ),
        (
            "extension_already_used",
            409,
            "The one extension a case may have was already granted.",
        ),
        (
            "extension_after_deadline",
            409,
            "An extension must be approved before the resolution deadline has passed.",
        ),
        (
            "reopen_not_closed",
            409,
            "Only a closed case can be reopened.",
        ),
        (
            "case_not_open",
            409,
            "The step needs a case being handled (accepted, investigating or reopened).",
        ),
        (
            "reply_not_due",
            409,
            "The reply does not fit where the case stands (a result before it is resolved, a "
            "result dated before the resolution…).",
        ),
        (
            "follow_up_before_result",
            409,
            "A follow-up visit comes after the result reply, never before it.",
        ),
        ("deadline_in_past", 422, "A deadline given lies in the past (or is now)."),
        (
            "deadline_beyond_limit",
            422,
            "A deadline given lies beyond the lawful limit for the case.",
        ),
        (
            "extension_too_long",
            422,
            "An extension of more days than allowed (30 by default), or of none.",
        ),
        (
            "approver_required",
            422,
            "An extension needs its approver, a leader who is not the case's assignee.",
        ),
        (
            "reply_without_channel",
            422,
            "A reply must say how the complainant was told (phone, SMS, letter, in person…); a "
            "complainant who can be reached is owed the receipt at once.",
        ),
        (
            "reason_required",
            422,
            "Refusing, reopening, extending or reversing a step (or an unsatisfied follow-up, a "
            "visit review with issues) needs its reason written down.",
        ),
        (
            "proper_channel_required",
            422,
            "A complaint not accepted or referred must tell the complainant where to turn.",
        ),
        (
            "enterprise_required",
            422,
            "A rectification order names the enterprise that must rectify.",
        ),
        ("leader_required", 422, "An escalation decision is a leader's (领导) to record."),
        (
            "assignment_incomplete",
            422,
            "An assignment names no station or no responsible officer.",
        ),
        ("time_in_future", 422, "When something happened cannot be later than now."),
    ),
    *_table(
        "outreach",
        (
            "illegal_review",
            409,
            "A visit review may not move this way (approved and rejected are final).",
        ),
    ),
    *_table(
        "geometry",
        ("malformed_geojson", 422, "Not a GeoJSON geometry: no `type`, no `coordinates`…"),
        ("malformed_wkt", 422, "WKT (or EWKT) text that cannot be parsed."),
        (
            "unsupported_geometry_type",
            422,
            "A geometry of a type this field does not take (a line where a point is wanted…).",
        ),
        ("not_a_number", 422, "A coordinate or accuracy that is not a finite number."),
        (
            "coordinates_out_of_range",
            422,
            "A longitude outside ±180 or a latitude outside ±90.",
        ),
        ("null_island", 422, "The position (0, 0): a phone without a fix yet."),
        (
            "swapped_coordinates",
            422,
            "Latitude and longitude given the wrong way round.",
        ),
        (
            "outside_service_area",
            422,
            "A position far outside the county's service area.",
        ),
        ("missing_accuracy", 422, "A GPS fix without its accuracy."),
        (
            "invalid_accuracy",
            422,
            "A GPS accuracy that is not a number of metres above 0 and within the maximum.",
        ),
        (
            "invalid_polygon",
            422,
            "A polygon that is not valid: self-intersecting, or a ring of no area.",
        ),
        ("too_few_points", 422, "A ring or line with fewer positions than it needs."),
        ("too_many_points", 422, "A geometry with more positions than the server accepts."),
        ("unclosed_ring", 422, "A polygon ring whose last position is not its first."),
        ("empty_geometry", 422, "An empty geometry where one is needed."),
        (
            "invalid_bbox",
            422,
            "A bounding box that is not four numbers west,south,east,north within range.",
        ),
        (
            "unknown_datum",
            422,
            "A datum other than wgs84, gcj02 (Chinese consumer maps) or bd09 (Baidu).",
        ),
    ),
]

#: code → its HTTP status and meaning, for every error envelope fieldsync answers
ERRORS: Mapping[str, ErrorCode] = MappingProxyType({e.code: e for e in _ERRORS})

#: HTTP status → the code of a plain HTTP error of that status
GENERIC: Mapping[int, str] = MappingProxyType({e.status: e.code for e in _ERRORS if e.generic})

_PUSH = [
    PushCode(
        "invalid_record_id",
        "rejected",
        "`record_id` is not a UUID in its canonical form.",
    ),
    PushCode(
        "unsupported_schema_version",
        "rejected",
        "The batch's `schema_version` is not one of the server's `schema_versions`.",
    ),
    PushCode("unknown_entity", "rejected", "`entity` is not an entity the server syncs."),
    PushCode(
        "unsupported_operation",
        "rejected",
        "`op` is not one of the entity's operations (updating an append-only visit, pushing "
        "a pull-only roster entry…).",
    ),
    PushCode(
        "missing_base_version",
        "rejected",
        "An `update` or `delete` without `base_version`.",
    ),
    PushCode(
        "invalid_fields",
        "rejected",
        "A field is unknown, missing, null where not allowed, of the wrong type, too long or not "
        "an allowed value (`errors` names each); a county-level device's person outside every "
        "station.",
    ),
    PushCode(
        "not_found",
        "rejected",
        "An update or delete of a record that does not exist; a reply on a complaint, or a "
        "visit on a roster entry, that does not exist (or is another station's).",
    ),
    PushCode(
        "already_exists",
        "rejected",
        "A create whose `record_id` another record has (or had, deleted).",
    ),
    PushCode(
        "forbidden",
        "rejected",
        "What this device may not do to this record: change another station's record, reply "
        "on another station's complaint, cite another station's visit.",
    ),
    PushCode(
        "sequence_reused",
        "rejected",
        "`seq` was already used by another mutation of this device, or appears twice in the batch.",
    ),
    PushCode(
        "stale_sequence",
        "rejected",
        "A `seq` that arrives after its gap was given up; kept in quarantine.",
    ),
    PushCode(
        "storage_error",
        "rejected",
        "The database refused to store it; kept in quarantine for an officer.",
    ),
    PushCode(
        "record_deleted",
        "conflict",
        "An update of a record deleted meanwhile; the changes are kept for review.",
    ),
    PushCode(
        "changed_meanwhile",
        "conflict",
        "A delete of a record someone changed since `base_version`; the record stays and the "
        "delete is kept for review.",
    ),
]

#: code → a pushed mutation's outcome (``rejected`` or ``conflict``) and meaning
PUSH_CODES: Mapping[str, PushCode] = MappingProxyType({p.code: p for p in _PUSH})


def status_of(code: str) -> int:
    """The HTTP status of an error envelope with ``code``; a code not in the catalogue is a
    programming error (``KeyError`` naming it)."""
    try:
        return ERRORS[code].status
    except KeyError:
        raise KeyError(f"error code {code!r} is not in the catalogue (errorcodes)") from None


def generic_code(status: int) -> str:
    """The code of a plain HTTP error of ``status``; for a status fieldsync never answers by
    itself, the status's name in snake case (``range_not_satisfiable``)."""
    if status in GENERIC:
        return GENERIC[status]
    try:
        return HTTPStatus(status).name.lower()
    except ValueError:
        return "internal_error" if status >= 500 else "bad_request"


def codes_in(group: str) -> frozenset[str]:
    """The codes of one group (``geometry``, ``casework``…)."""
    return frozenset(code for code, entry in ERRORS.items() if entry.group == group)


def _check() -> None:
    if len(_ERRORS) != len(ERRORS) or len(_PUSH) != len(PUSH_CODES):
        raise AssertionError("a code is listed twice in the error catalogue")
    for entry in _ERRORS:
        if entry.group not in GROUPS or not 400 <= entry.status <= 599:
            raise AssertionError(f"bad catalogue entry {entry}")
    if len(GENERIC) != sum(1 for e in _ERRORS if e.generic):
        raise AssertionError("two generic codes for one HTTP status")


_check()
