"""The outreach rules that can be broken, one error class per rule, each with its own code.

As in :mod:`bureau.case_errors`: 409 when the *current state* forbids the step (a visit review
that is already final, or a move the review does not allow), 422 when the *input* is wrong
whatever the state. A review that needs a note and has none raises
:class:`bureau.case_errors.ReasonRequired` (422, ``reason_required``), the same rule as for
casework: refusing or reversing a step needs its reason written down.
"""

from __future__ import annotations

from bureau.errors import Conflict

__all__ = ["IllegalReview"]


class IllegalReview(Conflict):
    """A visit review may not move this way (approved and rejected are final; 409)."""

    code = "illegal_review"
