"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Every enterprise in the registry is keyed by this 18-character code, so a typo here would
silently split one enterprise into two. The last character is a check character over the first
17, which catches every single-character slip and most transpositions; validating it on the way
in is the cheapest deduplication there is.

Layout (1-based positions):

====== ==================================================================
1      registration authority (登记管理部门), e.g. ``9`` = market regulation
2      organisation category (机构类别), e.g. ``1`` = enterprise
3–8    administrative division code (登记管理机关行政区划码), six digits
9–17   organisation code body (主体标识码)
18     check character (校验码)
====== ==================================================================

The alphabet leaves out I, O, Z, S and V, which are too easily mistaken for 1, 0, 2, 5 and U.
Positions 1 and 2 are not checked against the standard's code lists: those lists grow (new
registration authorities were added after 2015) and the check character already catches typos.
"""

from __future__ import annotations

import re
import unicodedata

from bureau.errors import InvalidInput

__all__ = [
    "ALPHABET",
    "LENGTH",
    "WEIGHTS",
    "InvalidCreditCode",
    "check_character",
    "is_valid_credit_code",
    "make_credit_code",
    "normalize_credit_code",
    "validate_credit_code",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a credit code may use; a character's value is its index here."""

LENGTH = 18
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
"""Weight of positions 1–17: 3**i mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, …)."""

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WHITESPACE = re.compile(r"\s+")
_FORBIDDEN_LETTERS = "IOZSV"


class InvalidCreditCode(InvalidInput):
    """A credit code that cannot be right; ``reason`` says exactly what is wrong with it."""

    code = "invalid_credit_code"

    def __init__(self, reason: str, *, field: str = "credit_code") -> None:
        super().__init__(f"invalid unified social credit code: {reason}", errors={field: [reason]})
        self.reason = reason
        self.field = field


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code.

    Raises :class:`InvalidCreditCode` if ``first17`` is not 17 characters of the alphabet, so a
    caller can never compute a check character over garbage.
    """
    if len(first17) != LENGTH - 1:
        raise InvalidCreditCode(
            f"need {LENGTH - 1} characters to compute a check character, got {len(first17)}"
        )
    total = 0
    for position, (ch, weight) in enumerate(zip(first17, WEIGHTS, strict=True), start=1):
        value = _VALUE.get(ch)
        if value is None:
            raise InvalidCreditCode(_bad_character(ch, position))
        total += value * weight
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """The code as stored: no whitespace, upper case, full-width characters folded to ASCII.

    Codes are copied from paper licences, Excel sheets and phone keyboards; spaces between the
    groups, lower-case letters and full-width digits (１２３) are all common and all harmless.
    """
    folded = unicodedata.normalize("NFKC", str(text))
    return _WHITESPACE.sub("", folded).upper()


def validate_credit_code(text: str, *, field: str = "credit_code") -> str:
    """Return the normalized code, or raise :class:`InvalidCreditCode` saying what is wrong.

    Checks run from the coarsest to the finest so that the reason names the first real problem:
    length, then each character, then the division code, then the check character.
    """
    code = normalize_credit_code(text)
    if not code:
        raise InvalidCreditCode("required", field=field)
    if len(code) != LENGTH:
        raise InvalidCreditCode(
            f"wrong length {len(code)}, a credit code has {LENGTH} characters", field=field
        )
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            raise InvalidCreditCode(_bad_character(ch, position), field=field)
    division = code[2:8]
    if not division.isdigit():
        raise InvalidCreditCode(
            f"division code (positions 3-8) '{division}' is not six digits", field=field
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(f"check character should be {expected} not {code[17]}", field=field)
    return code


def is_valid_credit_code(text: str) -> bool:
    """True when :func:`validate_credit_code` would accept ``text``."""
    try:
        validate_credit_code(text)
    except InvalidCreditCode:
        return False
    return True


def make_credit_code(
    division: str, body9: str, registration: str = "9", category: str = "1"
) -> str:
    """Assemble a valid code from its parts (for demo and test data).

    ``division`` is the six-digit administrative division code (e.g. ``"320481"``), ``body9``
    the nine-character organisation code body; the check character is computed.
    """
    registration = normalize_credit_code(registration)
    category = normalize_credit_code(category)
    division = normalize_credit_code(division)
    body9 = normalize_credit_code(body9)
    if len(registration) != 1 or len(category) != 1:
        raise InvalidCreditCode("registration authority and category are one character each")
    if len(division) != 6 or not division.isdigit():
        raise InvalidCreditCode(f"division code '{division}' is not six digits")
    if len(body9) != 9:
        raise InvalidCreditCode(f"organisation code body '{body9}' is not nine characters")
    first17 = registration + category + division + body9
    return first17 + check_character(first17)


def _bad_character(ch: str, position: int) -> str:
    if ch in _FORBIDDEN_LETTERS:
        hint = " (I, O, Z, S and V are never used)"
    else:
        hint = ""
    return f"character '{ch}' at position {position} not allowed{hint}"
