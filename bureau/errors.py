"""Errors raised by the bureau's rules.

Each error carries a machine-readable ``code`` and the HTTP ``status`` the server should answer
with, yet knows nothing of any web framework: the server has one error handler that turns a
:class:`DomainError` into its JSON envelope ``{code, status, message, errors}``. Keeping the
status here (rather than in a mapping table in the server) means a new rule cannot forget to say
how it should be reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from errorcodes import status_of

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
]


class DomainError(Exception):
    """A rule of the bureau was broken; the caller did something the rules do not allow.

    ``errors`` maps a field name to the list of reasons that field was refused, so that a form
    or an import report can point at every problem at once instead of one per round trip.
    """

    code: str = "domain_error"
    status: int = status_of("domain_error")

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        status = status_of(cls.code)
        declared = cls.__dict__.get("status")
        if declared is not None and declared != status:
            raise TypeError(
                f"{cls.__name__}: code {cls.code!r} answers {status} in the error catalogue, "
                f"not {declared}"
            )
        cls.status = status

    def __init__(self, message: str, *, errors: Mapping[str, Iterable[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = (
            {field: list(reasons) for field, reasons in errors.items()} if errors else {}
        )

    def as_dict(self) -> dict[str, object]:
        """The error as the server's JSON envelope body, without any framework involved."""
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "errors": {field: list(reasons) for field, reasons in self.errors.items()},
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, errors={self.errors!r})"


class NotFound(DomainError):
    """The thing named does not exist (or the caller may not know that it exists)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but their role or station does not allow this."""

    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state, e.g. a natural key that is already taken."""

    code = "conflict"


class InvalidInput(DomainError):
    """The data itself is wrong: a missing name, a bad credit code, an unknown category."""

    code = "invalid_input"
