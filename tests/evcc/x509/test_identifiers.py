"""eMAID / PCID parsing, normalisation and the eMI3 check digit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcc.errors import IdentifierError
from evcc.x509.identifiers import Emaid, Pcid, emaid_check_digit

# Published examples of the eMI3 "Check Digit Calculation for Contract-IDs" paper (the list used
# by its reference implementations) and the eMI3 standard v1.0 Part 2 example DE-8AA-CA2B3C4D5-L.
PUBLISHED = [
    ("NN123ABCDEFGHI", "T"),
    ("FRXYZ123456789", "2"),
    ("ITA1B2C3E4F5G6", "4"),
    ("ESZU8WOX834H1D", "R"),
    ("PT73902837ABCZ", "Z"),
    ("DE83DUIEN83QGZ", "D"),
    ("DE83DUIEN83ZGQ", "M"),
    ("DE8AA001234567", "0"),
    ("DE8AACA2B3C4D5", "L"),
]


@pytest.mark.parametrize(("body", "digit"), PUBLISHED)
def test_check_digit_matches_published_examples(body: str, digit: str) -> None:
    assert emaid_check_digit(body) == digit
    assert emaid_check_digit(body.lower()) == digit
    assert Emaid.parse(body + digit).check_digit == digit


def test_parse_forms_and_normalisation() -> None:
    a = Emaid.parse("de-8aa-ca2b3c4d5-l")
    assert (a.country, a.provider, a.instance, a.check_digit) == ("DE", "8AA", "CA2B3C4D5", "L")
    assert a.normalized == "DE8AACA2B3C4D5L"
    assert a.display == "DE-8AA-CA2B3C4D5-L"
    assert str(a) == a.normalized
    b = Emaid.parse("DE8AACA2B3C4D5")
    assert b.check_digit is None and b.normalized == "DE8AACA2B3C4D5"
    assert b.with_check_digit() == a
    assert a.same_account(b) and a != b
    assert Emaid.parse("DE-8AA-CA2B3C4D5").normalized == "DE8AACA2B3C4D5"
    # a real contract certificate CN (Hubject QA, 14 characters, no check digit)
    assert Emaid.parse("EMP99CQAPAB004").body == "EMP99CQAPAB004"


@pytest.mark.parametrize(("text", "reason"), [
    ("DE8AACA2B3C4D5X", "check digit is 'X', expected 'L'"),
    ("DE-8AACA2B3C4D5", "consistent '-' separators"),
    ("D18AACA2B3C4D5", "country 2 letters"),
    ("DE8AACA2B3C4D", "instance 9"),
    ("DE*8AA*CA2B3C4D5", "separators"),
    ("DE8AACA2B3C4D5LL", "instance 9"),
    ("DE-8AA-CA2B3C4D5-L-", "too long"),
    ("DE-8AA-CA2B3C4D5L", "separators"),
    ("", "country"),
    ("DE8AAÇA2B3C4D5", "ASCII"),
    ("DE8AACA2B3C4D5L" * 3, "too long"),
])
def test_parse_rejects_with_reason(text: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match=re.escape(reason)):
        Emaid.parse(text)


def test_require_check_digit() -> None:
    with pytest.raises(IdentifierError, match="no check digit"):
        Emaid.parse("DE8AACA2B3C4D5", require_check_digit=True)
    assert Emaid.parse("DE8AACA2B3C4D5L", require_check_digit=True).check_digit == "L"


def test_check_digit_input_errors() -> None:
    for bad in ("DE8AACA2B3C4D", "DE8AACA2B3C4D5L", "DE-8AACA2B3C4D", "DE8AACA2B3C4Ä5"):
        with pytest.raises(IdentifierError):
            emaid_check_digit(bad)


def test_check_digit_detects_single_errors_and_transpositions() -> None:
    body = "DE83DUIEN83QGZ"
    digit = emaid_check_digit(body)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in range(14):
        for c in alphabet:
            if c != body[i]:
                changed = body[:i] + c + body[i + 1:]
                assert emaid_check_digit(changed) != digit, changed
    for i in range(13):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            assert emaid_check_digit(swapped) != digit, swapped


def test_pcid() -> None:
    p = Pcid.parse("wmi1234567abcdefg")
    assert (p.wmi, p.vehicle, p.check_digit) == ("WMI", "1234567ABCDEFG", None)
    assert p.normalized == "WMI1234567ABCDEFG" == str(p)
    assert Pcid.parse("hubjectopenpnc0001").check_digit == "1"
    for bad in ("WMI123", "WMI1234567ABCDEFG12", "WMI-234567ABCDEFG", "WMI1234567ABCDEF "):
        with pytest.raises(IdentifierError):
            Pcid.parse(bad)


def test_non_string_input() -> None:
    with pytest.raises(IdentifierError):
        Emaid.parse(123)  # type: ignore[arg-type]
    with pytest.raises(IdentifierError):
        Pcid.parse(None)  # type: ignore[arg-type]


_emaid_chars = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz-*_ é\x00")


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=30), st.text(_emaid_chars, min_size=12, max_size=20)))
def test_fuzz_parsers_raise_only_identifier_error(text: str) -> None:
    for parse in (Emaid.parse, Pcid.parse):
        try:
            value = parse(text)
        except IdentifierError:
            continue
        # what parses, re-parses to the same value from its normalised form
        assert parse(value.normalized) == value


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12),
       st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_fuzz_computed_check_digit_always_verifies(rest: str, c1: str, c2: str) -> None:
    body = c1 + c2 + rest
    full = Emaid.parse(body).with_check_digit()
    assert Emaid.parse(full.display.lower()).normalized == full.normalized
