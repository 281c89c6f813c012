"""Unified social credit codes (GB 32100-2015): check character, normalization, reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bureau.credit_code import (
    ALPHABET,
    WEIGHTS,
    InvalidCreditCode,
    check_character,
    is_valid_credit_code,
    make_credit_code,
    normalize_credit_code,
    validate_credit_code,
)
from bureau.errors import DomainError, InvalidInput

# Published codes, verified by hand against the algorithm before being relied on.
KNOWN_VALID = ("91350100M000100Y43", "91110000600037341L")


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_alphabet_leaves_out_confusable_letters():
    assert len(ALPHABET) == 31
    for letter in "IOZSV":
        assert letter not in ALPHABET


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_public_codes_are_valid(code: str):
    assert check_character(code[:17]) == code[17]
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_check_character_by_hand():
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4: weighted sum 617, 617 % 31 = 28, 31 - 28 = 3.
    values = [ALPHABET.index(ch) for ch in "91350100M000100Y4"]
    total = sum(v * w for v, w in zip(values, WEIGHTS, strict=True))
    assert total % 31 == 28
    assert check_character("91350100M000100Y4") == "3"


def test_check_value_zero_maps_to_zero_not_thirty_one():
    # Find a body whose sum is a multiple of 31: the check must be "0", not out of range.
    for n in range(10_000):
        first17 = f"91320481{n:09d}"
        if check_character(first17) == "0":
            break
    else:  # pragma: no cover
        pytest.fail("no code with check character 0 found")
    assert validate_credit_code(first17 + "0") == first17 + "0"


def test_normalize_strips_spaces_and_uppercases_and_folds_full_width():
    assert normalize_credit_code(" 9135 0100 m000 100y 43 ") == "91350100M000100Y43"
    assert normalize_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert normalize_credit_code("91350100M000100Y43\u3000") == "91350100M000100Y43"


def test_validate_returns_normalized_code():
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "required"),
        ("   ", "required"),
        ("91350100M000100Y4", "wrong length 17"),
        ("91350100M000100Y433", "wrong length 19"),
        ("91350100M0O0100Y43", "character 'O' at position 11 not allowed"),
        ("9135010IM000100Y43", "character 'I' at position 8 not allowed"),
        ("91350100M000100Y4-", "character '-' at position 18 not allowed"),
        ("913501A0M000100Y43", "division code (positions 3-8) '3501A0' is not six digits"),
        ("91350100M000100Y44", "check character should be 3 not 4"),
    ],
)
def test_invalid_codes_get_a_precise_reason(text: str, reason: str):
    with pytest.raises(InvalidCreditCode) as info:
        validate_credit_code(text)
    assert reason in info.value.reason
    assert info.value.errors == {"credit_code": [info.value.reason]}
    assert not is_valid_credit_code(text)


def test_forbidden_letters_are_explained():
    with pytest.raises(InvalidCreditCode) as info:
        validate_credit_code("91350100M000100S43")
    assert "I, O, Z, S and V are never used" in info.value.reason


def test_invalid_credit_code_is_an_invalid_input_domain_error():
    with pytest.raises(InvalidInput) as info:
        validate_credit_code("123", field="supplier_code")
    err = info.value
    assert isinstance(err, DomainError)
    assert err.status == 422
    assert err.code == "invalid_credit_code"
    assert list(err.errors) == ["supplier_code"]


def test_make_credit_code_builds_valid_codes():
    code = make_credit_code("320481", "MA1MXXXXX")
    assert code.startswith("91320481MA1MXXXXX")
    assert validate_credit_code(code) == code
    individual = make_credit_code("320481", "L12345678", registration="9", category="2")
    assert individual.startswith("92320481")
    assert is_valid_credit_code(individual)


@pytest.mark.parametrize(
    ("division", "body", "registration", "category"),
    [
        ("32048", "MA1MXXXXX", "9", "1"),
        ("32048A", "MA1MXXXXX", "9", "1"),
        ("320481", "MA1MXXXX", "9", "1"),
        ("320481", "MA1MXXXXO", "9", "1"),
        ("320481", "MA1MXXXXX", "99", "1"),
    ],
)
def test_make_credit_code_refuses_bad_parts(division, body, registration, category):
    with pytest.raises(InvalidCreditCode):
        make_credit_code(division, body, registration=registration, category=category)


def test_check_character_refuses_wrong_input():
    with pytest.raises(InvalidCreditCode, match="17 characters"):
        check_character("9135")
    with pytest.raises(InvalidCreditCode, match="position 3"):
        check_character("91Z50100M000100Y4")


bodies = st.text(alphabet=ALPHABET, min_size=9, max_size=9)
divisions = st.text(alphabet="0123456789", min_size=6, max_size=6)


@given(divisions, bodies)
def test_made_codes_always_validate(division: str, body: str):
    code = make_credit_code(division, body)
    assert validate_credit_code(code) == code


@given(divisions, bodies, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_character_slip_is_caught(division, body, position, data):
    code = make_credit_code(division, body)
    replacement = data.draw(st.sampled_from([ch for ch in ALPHABET if ch != code[position]]))
    typo = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_credit_code(typo)


@given(divisions, bodies, st.integers(min_value=0, max_value=16))
def test_adjacent_transpositions_are_caught(division, body, position):
    code = make_credit_code(division, body)
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    # Swapping into the division code can make it non-numeric: also an error, either way.
    assert not is_valid_credit_code(swapped)
