"""The casework rules that can be broken, one error class per rule, each with its own code.

A broken rule answers 409 when the *case's current state* forbids the step (closing a case
without its result reply, extending twice, reopening a case that is not closed) and 422 when the
*input* is wrong whatever the state (a deadline in the past, a reply without a channel, an
extension longer than the law allows). The code names the rule, so the server's single error
handler, a device reading a rejected mutation and a test all see *which* rule it was. Every rule
function raises before it builds anything, so a refusal changes nothing.

A move that :data:`bureau.lifecycle.TRANSITIONS` does not allow at all still raises
:class:`bureau.lifecycle.IllegalTransition` (422, ``illegal_transition``), as the sync merge
already expects.
"""

from __future__ import annotations

from bureau.errors import Conflict, InvalidInput

__all__ = [
    "ApproverRequired",
    "AssignmentIncomplete",
    "CaseInputError",
    "CaseNotOpen",
    "CaseStateConflict",
    "CloseWithoutFollowUp",
    "CloseWithoutResultReply",
    "CloseWithoutVerification",
    "DeadlineBeyondLimit",
    "DeadlineInPast",
    "EnterpriseRequired",
    "ExtensionAfterDeadline",
    "ExtensionAlreadyUsed",
    "ExtensionTooLong",
    "FollowUpBeforeResult",
    "LeaderRequired",
    "ProperChannelRequired",
    "ReasonRequired",
    "ReopenNotClosed",
    "ReplyNotDue",
    "ReplyWithoutChannel",
    "TimeInFuture",
]


class CaseStateConflict(Conflict):
    """The case's current state forbids this step (409)."""

    code = "case_state_conflict"


class CaseInputError(InvalidInput):
    """The step's input breaks a casework rule, whatever the case's state (422)."""

    code = "case_input_error"


# --- 409: the state forbids it ---------------------------------------------------------------


class CloseWithoutResultReply(CaseStateConflict):
    """A case cannot close before the complainant has been given the result (回复)."""

    code = "close_without_result_reply"


class CloseWithoutFollowUp(CaseStateConflict):
    """A case cannot close before a satisfied follow-up visit (回访) after its result."""

    code = "close_without_follow_up"


class CloseWithoutVerification(CaseStateConflict):
    """A rectification order closes only after a verification visit found it done."""

    code = "close_without_verification"


class ExtensionAlreadyUsed(CaseStateConflict):
    """The one extension a case may have was already granted (no extending twice)."""

    code = "extension_already_used"


class ExtensionAfterDeadline(CaseStateConflict):
    """An extension must be approved before the resolution deadline has passed."""

    code = "extension_after_deadline"


class ReopenNotClosed(CaseStateConflict):
    """Only a closed case can be reopened (an open one is still being handled)."""

    code = "reopen_not_closed"


class CaseNotOpen(CaseStateConflict):
    """The step needs a case being handled (accepted, investigating or reopened)."""

    code = "case_not_open"


class ReplyNotDue(CaseStateConflict):
    """This reply does not fit where the case stands (a result reply before it is resolved…)."""

    code = "reply_not_due"


class FollowUpBeforeResult(CaseStateConflict):
    """A follow-up visit comes after the result reply, never before it."""

    code = "follow_up_before_result"


# --- 422: the input is wrong ------------------------------------------------------------------


class DeadlineInPast(CaseInputError):
    """A deadline given by a user lies in the past (or is now)."""

    code = "deadline_in_past"


class DeadlineBeyondLimit(CaseInputError):
    """A deadline given by a user lies beyond the lawful limit for the case."""

    code = "deadline_beyond_limit"


class ExtensionTooLong(CaseInputError):
    """An extension of more days than allowed (30 by default), or of none."""

    code = "extension_too_long"


class ApproverRequired(CaseInputError):
    """An extension needs the approver recorded, and the approver cannot be the assignee."""

    code = "approver_required"


class ReplyWithoutChannel(CaseInputError):
    """A reply must say how the complainant was told (phone, SMS, letter, in person…)."""

    code = "reply_without_channel"


class ReasonRequired(CaseInputError):
    """Refusing, reopening, extending or reversing a step needs its reason written down."""

    code = "reason_required"


class ProperChannelRequired(CaseInputError):
    """A complaint not accepted or referred must tell the complainant where to turn instead."""

    code = "proper_channel_required"


class EnterpriseRequired(CaseInputError):
    """A rectification order names the enterprise that must rectify."""

    code = "enterprise_required"


class LeaderRequired(CaseInputError):
    """An escalation decision is a leader's (领导) to record."""

    code = "leader_required"


class AssignmentIncomplete(CaseInputError):
    """An assignment names no station or no responsible officer."""

    code = "assignment_incomplete"


class TimeInFuture(CaseInputError):
    """When something happened cannot be later than now."""

    code = "time_in_future"
