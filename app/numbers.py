"""Numbers as a browser sends them: ASCII digits within 64 bits, and nothing else."""

from __future__ import annotations

import re

INT64 = 2**63
# The largest id a row can have: id columns are INTEGER, 32 bits on PostgreSQL (SQLite's hold 64).
ID_MAX = 2**31 - 1
# Python's int() and float() also take Unicode digits, underscores and thousands of digits: none is a number
# a form of ours sends.
_WHOLE = re.compile(r"[+-]?[0-9]{1,19}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,19}(?:[.,][0-9]{1,19})?")


def whole(value: str) -> int:
    """Return the whole number a field holds; raise ValueError for anything else."""
    text = value.strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"not a whole number: {text[:24]!r}")
    number = int(text)
    if not -INT64 <= number < INT64:
        raise ValueError(f"not a 64-bit number: {text!r}")
    return number


def decimal(value: str) -> float:
    """Return the decimal number a field holds (a point or a comma); raise ValueError for anything else."""
    text = value.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal number: {text[:24]!r}")
    return float(text.replace(",", "."))
