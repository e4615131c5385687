"""eMAID and PCID: parsing, normalisation and the eMAID check digit.

eMAID (ISO 15118-2 Annex H, same layout as the eMI3 / DIN SPEC 91286 contract ID)::

    <Country 2 letters> [-] <Provider ID 3 alnum> [-] <eMA Instance 9 alnum> [[-] <Check Digit>]

Separators are all present or all absent, letters are case-insensitive; the normalised form
is upper-case without separators (14 or 15 characters, what travels in ISO 15118-2 messages
and what the contract certificate's CN holds).

The check digit is the eMI3 "Check Digit Calculation for Contract-IDs" algorithm: every
character c (value v in 0..35, digits then letters) splits into ``q = (q1, q2)`` over GF(2) and
``r = (r1, r2)`` over GF(3) with ``v = 9 * (2*q1 + q2) + 3*r1 + r2``; position i (1..14) is
weighted with ``P1**i`` and ``P2**i`` (P1 = [[0,1],[1,1]] mod 2, P2 = [[0,1],[1,2]] mod 3); the
check character (position 15) makes both weighted sums vanish.

PCID (OEM provisioning certificate ID, VDE-AR-E 2802-100-1 as used by OPCP): WMI (3 alnum) +
14 alnum + an optional check character, 17 or 18 characters, case-insensitive. The PCID check
character algorithm is not public, so it is kept but not verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from evcc.errors import IdentifierError

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_Matrix = tuple[tuple[int, int], tuple[int, int]]
_Vec = tuple[int, int]

_P1: _Matrix = ((0, 1), (1, 1))
_P2: _Matrix = ((0, 1), (1, 2))


def _mat_mul(a: _Matrix, b: _Matrix, mod: int) -> _Matrix:
    (a11, a12), (a21, a22) = a
    (b11, b12), (b21, b22) = b
    return (
        ((a11 * b11 + a12 * b21) % mod, (a11 * b12 + a12 * b22) % mod),
        ((a21 * b11 + a22 * b21) % mod, (a21 * b12 + a22 * b22) % mod),
    )


def _mat_pow(m: _Matrix, n: int, mod: int) -> _Matrix:
    result: _Matrix = ((1, 0), (0, 1))
    for _ in range(n):
        result = _mat_mul(result, m, mod)
    return result


def _mat_inv(m: _Matrix, mod: int) -> _Matrix:
    """Inverse of a 2x2 matrix over the prime field GF(mod)."""
    det = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) % mod
    inv_det = pow(det, -1, mod)
    return (
        ((m[1][1] * inv_det) % mod, (-m[0][1] * inv_det) % mod),
        ((-m[1][0] * inv_det) % mod, (m[0][0] * inv_det) % mod),
    )


def _vec_mul(v: _Vec, m: _Matrix, mod: int) -> _Vec:
    return ((v[0] * m[0][0] + v[1] * m[1][0]) % mod, (v[0] * m[0][1] + v[1] * m[1][1]) % mod)


def _split(char: str) -> tuple[_Vec, _Vec]:
    value = _ALPHABET.index(char)
    q, r = divmod(value, 9)
    return (q >> 1, q & 1), (r // 3, r % 3)


def _join(q: _Vec, r: _Vec) -> str:
    return _ALPHABET[9 * (2 * q[0] + q[1]) + 3 * r[0] + r[1]]


def emaid_check_digit(body: str) -> str:
    """Check character of a 14-character eMAID body (country + provider + instance).

    Raises IdentifierError unless ``body`` is 14 ASCII letters/digits (any case).
    """
    text = body.upper()
    if len(text) != 14 or not _is_alnum(text):
        raise IdentifierError(
            f"eMAID check digit needs 14 letters/digits without separators, got {body!r}"
        )
    q_sum: _Vec = (0, 0)
    r_sum: _Vec = (0, 0)
    for position, char in enumerate(text, start=1):
        q, r = _split(char)
        qw = _vec_mul(q, _mat_pow(_P1, position, 2), 2)
        rw = _vec_mul(r, _mat_pow(_P2, position, 3), 3)
        q_sum = ((q_sum[0] + qw[0]) % 2, (q_sum[1] + qw[1]) % 2)
        r_sum = ((r_sum[0] + rw[0]) % 3, (r_sum[1] + rw[1]) % 3)
    # q15 * P1^15 = -q_sum, r15 * P2^15 = -r_sum
    q_check = _vec_mul(((-q_sum[0]) % 2, (-q_sum[1]) % 2), _mat_inv(_mat_pow(_P1, 15, 2), 2), 2)
    r_check = _vec_mul(((-r_sum[0]) % 3, (-r_sum[1]) % 3), _mat_inv(_mat_pow(_P2, 15, 3), 3), 3)
    return _join(q_check, r_check)


def _is_alnum(text: str) -> bool:
    return all(c in _ALPHABET for c in text)


def _printable(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


_EMAID_RE = re.compile(
    r"(?P<country>[A-Z]{2})(?P<sep>-?)(?P<provider>[A-Z0-9]{3})(?P=sep)"
    r"(?P<instance>[A-Z0-9]{9})(?:(?P=sep)(?P<check>[A-Z0-9]))?"
)


@dataclass(frozen=True)
class Emaid:
    """An e-Mobility Account Identifier, normalised to upper case."""

    country: str
    provider: str
    instance: str
    check_digit: str | None = None

    MAX_INPUT: ClassVar[int] = 18

    @classmethod
    def parse(cls, text: str, *, require_check_digit: bool = False) -> Emaid:
        """Parse ``text``; a present check digit is always verified.

        Raises IdentifierError with the reason on any deviation from Annex H.
        """
        if not isinstance(text, str):
            raise IdentifierError(f"eMAID must be a string, got {type(text).__name__}")
        if len(text) > cls.MAX_INPUT:
            raise IdentifierError(f"eMAID too long ({len(text)} characters): {_printable(text)}")
        upper = text.upper()
        if not upper.isascii():
            raise IdentifierError(f"eMAID must be ASCII: {_printable(text)}")
        match = _EMAID_RE.fullmatch(upper)
        if match is None:
            raise IdentifierError(
                "eMAID must be <country 2 letters>[-]<provider 3>[-]<instance 9>[[-]<check 1>] "
                f"with consistent '-' separators: {_printable(text)}"
            )
        emaid = cls(
            country=match["country"],
            provider=match["provider"],
            instance=match["instance"],
            check_digit=match["check"],
        )
        if emaid.check_digit is None:
            if require_check_digit:
                raise IdentifierError(f"eMAID has no check digit: {_printable(text)}")
        else:
            expected = emaid_check_digit(emaid.body)
            if expected != emaid.check_digit:
                raise IdentifierError(
                    f"eMAID check digit is {emaid.check_digit!r}, expected {expected!r}: "
                    f"{_printable(text)}"
                )
        return emaid

    @property
    def body(self) -> str:
        """Country + provider + instance (14 characters)."""
        return f"{self.country}{self.provider}{self.instance}"

    @property
    def normalized(self) -> str:
        """Upper case, no separators, with the check digit if the input had one."""
        return self.body + (self.check_digit or "")

    @property
    def display(self) -> str:
        """Human form with '-' separators."""
        parts = [self.country, self.provider, self.instance]
        if self.check_digit is not None:
            parts.append(self.check_digit)
        return "-".join(parts)

    def with_check_digit(self) -> Emaid:
        """The same eMAID with its computed check digit."""
        return Emaid(self.country, self.provider, self.instance, emaid_check_digit(self.body))

    def same_account(self, other: Emaid) -> bool:
        """True if both name the same account (the check digit is ignored)."""
        return self.body == other.body

    def __str__(self) -> str:
        return self.normalized


@dataclass(frozen=True)
class Pcid:
    """A provisioning certificate identifier (CN of the OEM provisioning certificate)."""

    wmi: str
    vehicle: str
    check_digit: str | None = None

    @classmethod
    def parse(cls, text: str) -> Pcid:
        """Parse a 17- or 18-character PCID, case-insensitive.

        Raises IdentifierError for any other length or a character that is not a letter/digit.
        """
        if not isinstance(text, str):
            raise IdentifierError(f"PCID must be a string, got {type(text).__name__}")
        upper = text.upper()
        if len(upper) not in (17, 18):
            raise IdentifierError(
                f"PCID must be 17 or 18 letters/digits (WMI + 14 + optional check), "
                f"got {len(text)}: {_printable(text)}"
            )
        if not _is_alnum(upper):
            raise IdentifierError(f"PCID may hold only letters and digits: {_printable(text)}")
        return cls(wmi=upper[:3], vehicle=upper[3:17], check_digit=upper[17:] or None)

    @property
    def normalized(self) -> str:
        """Upper case, 17 or 18 characters."""
        return self.wmi + self.vehicle + (self.check_digit or "")

    def __str__(self) -> str:
        return self.normalized


def normalize_emaid(emaid: str) -> str:
    """An eMAID (or PCID) for comparison: separators and spaces removed, upper-case."""
    return emaid.replace("-", "").replace(" ", "").upper()
