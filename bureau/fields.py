"""Reading one flat row of values (a CSV row, GeoJSON properties, a form) into typed fields.

Import files are typed by hand in Excel or exported from other systems, so the same value
arrives in many spellings: ``是``/``yes``/``1``/``TRUE``, ``a;b`` or ``["a", "b"]``, ``２０２６``.
:class:`RowReader` accepts those spellings and turns each into one normalized value, and it
*collects* every problem of the row instead of stopping at the first, so that whoever fixes the
file sees all of a row's mistakes at once.

An empty cell, a whitespace-only cell and a missing column all mean "no value".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from bureau.credit_code import InvalidCreditCode, validate_credit_code
from bureau.errors import InvalidInput
from bureau.vocabulary import Vocabulary, choice_problem

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "FieldErrors",
    "RowReader",
    "is_blank",
]

TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y", "是", "对", "√"})
FALSE_WORDS = frozenset({"false", "f", "0", "no", "n", "否", "不是", "×"})

_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE = re.compile(r"^[0-9+\- ]+$")
_LIST_SEPARATORS = re.compile(r"[;；,，、|]")
MIN_PHONE_DIGITS = 5
"""The shortest number staff dial is a five-digit service line such as 12369."""


def is_blank(value: object) -> bool:
    """True for ``None`` and for strings that hold nothing but whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


class FieldErrors:
    """Reasons a row was refused, per field, in the order they were found."""

    def __init__(self) -> None:
        self._errors: dict[str, list[str]] = {}

    def add(self, field: str, reason: str) -> None:
        reasons = self._errors.setdefault(field, [])
        if reason not in reasons:
            reasons.append(reason)

    def merge(self, errors: Mapping[str, Iterable[str]] | None) -> None:
        for field, reasons in (errors or {}).items():
            for reason in reasons:
                self.add(field, reason)

    def has(self, field: str) -> bool:
        return field in self._errors

    def __bool__(self) -> bool:
        return bool(self._errors)

    def as_dict(self) -> dict[str, list[str]]:
        return {field: list(reasons) for field, reasons in self._errors.items()}

    def raise_if_any(self, what: str) -> None:
        """Raise :class:`InvalidInput` carrying every collected reason, if there are any."""
        if self._errors:
            fields = ", ".join(self._errors)
            raise InvalidInput(f"invalid {what}: check {fields}", errors=self.as_dict())


class RowReader:
    """Typed, normalizing access to one flat mapping, collecting problems in :attr:`errors`.

    Each accessor returns the normalized value, or ``None`` (after recording why) when the value
    is missing or wrong, so a validator can read every field and decide at the end.
    """

    def __init__(self, data: Mapping[str, object], errors: FieldErrors | None = None) -> None:
        self.data = data
        self.errors = errors if errors is not None else FieldErrors()

    def raw(self, field: str, *aliases: str) -> object:
        """The first non-blank value under ``field`` or one of its aliases, else ``None``."""
        for name in (field, *aliases):
            value = self.data.get(name)
            if not is_blank(value):
                return value
        return None

    def text(
        self,
        field: str,
        *,
        required: bool = False,
        max_length: int = 200,
        aliases: tuple[str, ...] = (),
    ) -> str | None:
        """A single line of text, whitespace collapsed; Chinese and any other script welcome."""
        value = self.raw(field, *aliases)
        if value is None:
            if required:
                self.errors.add(field, "required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.errors.add(field, f"must be text, not {type(value).__name__}")
            return None
        text = _SPACES.sub(" ", str(value)).strip()
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            self.errors.add(field, "contains control characters")
            return None
        if len(text) > max_length:
            self.errors.add(field, f"too long: {len(text)} characters, at most {max_length}")
            return None
        return text

    def code(self, field: str, *, required: bool = False, max_length: int = 64) -> str | None:
        """An identifier: text without inner whitespace (spaces in keys make duplicates)."""
        text = self.text(field, required=required, max_length=max_length)
        if text is not None and " " in text:
            self.errors.add(field, "must not contain spaces")
            return None
        return text

    def boolean(self, field: str, *, default: bool = False) -> bool:
        """true/false, 1/0, yes/no, y/n, 是/否 in any letter case; blank means ``default``."""
        value = self.raw(field)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = unicodedata.normalize("NFKC", value).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        self.errors.add(field, f"not a yes/no value: {value!r} (use true/false, 1/0, 是/否)")
        return default

    def date(self, field: str) -> date | None:
        """A calendar date written yyyy-mm-dd (ISO 8601), the only unambiguous spelling."""
        value = self.raw(field)
        if value is None:
            return None
        if isinstance(value, datetime):
            self.errors.add(field, "must be a date (yyyy-mm-dd), not a date and time")
            return None
        if isinstance(value, date):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not _ISO_DATE.match(text):
            self.errors.add(field, f"not a date in yyyy-mm-dd form: {text!r}")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.add(field, f"no such date: {text}")
            return None

    def phone(self, field: str, *, max_length: int = 32) -> str | None:
        """A phone number: digits, ``+``, ``-`` and spaces only, at least five digits."""
        value = self.raw(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.errors.add(field, f"must be text, not {type(value).__name__}")
            return None
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()
        if not _PHONE.match(text):
            self.errors.add(field, "may contain only digits, '+', '-' and spaces")
            return None
        if sum(ch.isdigit() for ch in text) < MIN_PHONE_DIGITS:
            self.errors.add(field, f"too few digits, at least {MIN_PHONE_DIGITS}")
            return None
        if len(text) > max_length:
            self.errors.add(field, f"too long: {len(text)} characters, at most {max_length}")
            return None
        return text

    def choice(self, field: str, vocabulary: Vocabulary, *, required: bool = True) -> str | None:
        """One code of ``vocabulary`` (its Chinese label is accepted too)."""
        value = self.raw(field)
        if value is None:
            if required:
                self.errors.add(field, "required")
            return None
        code, reason = choice_problem(value, vocabulary)
        if code is None:
            self.errors.add(field, reason or "not allowed")
        return code

    def choices(self, field: str, vocabulary: Vocabulary) -> tuple[str, ...]:
        """Several codes, given as a list or as one string split on ``;`` ``,`` ``、`` or ``|``.

        Duplicates are dropped and the first-seen order is kept, so re-importing the same row
        gives the same tuple.
        """
        value = self.raw(field)
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[object] = [part for part in _LIST_SEPARATORS.split(value)]
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            self.errors.add(field, "must be a list or a ';'-separated string")
            return ()
        codes: list[str] = []
        unknown: list[str] = []
        for item in items:
            if is_blank(item):
                continue
            code, _ = choice_problem(item, vocabulary)
            if code is None:
                unknown.append(repr(item))
            elif code not in codes:
                codes.append(code)
        if unknown:
            self.errors.add(
                field, f"unknown: {', '.join(unknown)}; must be any of: {', '.join(vocabulary)}"
            )
        return tuple(codes)

    def credit_code(self, field: str = "credit_code") -> str | None:
        """A unified social credit code, normalized and check-character verified."""
        value = self.raw(field)
        if value is None:
            self.errors.add(field, "required")
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.errors.add(field, f"must be text, not {type(value).__name__}")
            return None
        try:
            return validate_credit_code(str(value), field=field)
        except InvalidCreditCode as exc:
            self.errors.add(field, exc.reason)
            return None
