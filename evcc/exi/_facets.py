"""Encode-side value checks against the schema facets (called by generated code)."""

from __future__ import annotations

from typing import Any

from evcc.errors import ExiEncodeError
from evcc.exi._bits import MAX_UINT_BITS


def enc_error(type_name: str, message: str) -> ExiEncodeError:
    return ExiEncodeError(f"{type_name}: {message}")


def check_int(v: Any, lo: int | None, hi: int | None, name: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ExiEncodeError(f"{name}: expected an integer, got {type(v).__name__}")
    i = int(v)
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise ExiEncodeError(f"{name}: {i} outside [{lo}, {hi}]")
    if (lo is None or hi is None) and (i if i >= 0 else -i - 1).bit_length() > MAX_UINT_BITS:
        raise ExiEncodeError(f"{name}: integer of more than {MAX_UINT_BITS} bits")
    return i


def check_len(n: int, length: int | None, lo: int | None, hi: int | None, name: str) -> None:
    if length is not None and n != length:
        raise ExiEncodeError(f"{name}: length {n}, must be {length}")
    if lo is not None and n < lo:
        raise ExiEncodeError(f"{name}: length {n} below minLength {lo}")
    if hi is not None and n > hi:
        raise ExiEncodeError(f"{name}: length {n} above maxLength {hi}")


def check_str(v: Any, name: str) -> str:
    if not isinstance(v, str):
        raise ExiEncodeError(f"{name}: expected a string, got {type(v).__name__}")
    return v


def check_bin(v: Any, name: str) -> bytes:
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise ExiEncodeError(f"{name}: expected bytes, got {type(v).__name__}")
    return bytes(v)


def check_bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        raise ExiEncodeError(f"{name}: expected a boolean, got {type(v).__name__}")
    return v


def unexpected(type_name: str, names: tuple[str, ...], f: int) -> ExiEncodeError:
    """An item that the grammar does not allow in the current state."""
    what = "end of content" if f == -1 else names[f] if 0 <= f < len(names) else f"item {f}"
    return ExiEncodeError(f"{type_name}: {what} is not allowed at this point")


def stuck(type_name: str, names: tuple[str, ...], pending: tuple[Any, ...]) -> ExiEncodeError:
    """No production of the current state fits the next pending field."""
    for name, value in zip(names, pending, strict=True):
        if value is not None and value != []:
            return ExiEncodeError(f"{type_name}: {name} is not allowed at this point "
                                  "(order, choice or occurrence violates the schema)")
    return ExiEncodeError(f"{type_name}: content does not fit the schema")
