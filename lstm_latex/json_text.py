"""A weights file's JSON, read strictly and within bounds: UTF-8, every number finite and exact
enough for float64, no key twice, a bounded depth and number of values, each checked on the
text's structure before the parser builds anything."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import InputError
from .values import MAX_NUMBERS, kind, quote

BYTES_PER_NUMBER = 32  # what a file may spend on each number it holds: a float64's 17 digits, its exponent, ", "


def read_json(
    data: bytes, expected: str = "a JSON object with a state_dict", max_numbers: int = MAX_NUMBERS
) -> Mapping[str, Any]:
    """Parse a JSON object strictly: UTF-8, no NaN or Infinity, no duplicate keys, a bounded depth
    and at most about ``max_numbers`` values (the parser's objects take 30 bytes or more a value,
    however short the text: ``[0,0,0,…]`` or ``[[],[],…]``).

    Integers are read as floats, so that a number too long for float64 becomes inf and is refused
    with its place by to_array, rather than failing inside the parser. A number float64 would
    change silently is refused: one too small for it (1e-400 reads as 0), an integer beyond 2**53
    it cannot hold exactly.
    """
    try:
        text = data.decode("utf-8-sig")  # a byte order mark, as some Windows editors write, is dropped
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise InputError("the file is empty")
    structure = skeleton(text)
    depth = _depth(structure)
    if depth > MAX_NESTING:
        raise InputError(f"not valid JSON: nested {depth} levels deep (a weights file needs 4)")
    values = value_count(structure)
    if values > max_numbers + SPARE_VALUES:
        raise InputError(
            f"the file holds up to {values} values, more than the limit of {max_numbers} numbers:"
            f" pass --max-numbers {values} (max_numbers= in Python) to read it anyway"
        )
    try:
        document = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_exact_enough,
            parse_int=_exact_enough,
            object_pairs_hook=_reject_duplicates,
        )
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:  # nesting_depth should have caught it; the parser's own limit is the last guard
        raise InputError("not valid JSON: nested too deeply") from None
    except ValueError as error:  # _reject_constant, _reject_duplicates
        raise InputError(f"{error}") from None
    if not isinstance(document, dict):
        raise InputError(f"expected {expected}, found {kind(document)}")
    return document


MAX_NESTING = 32  # a weights file is 4 deep; anything far deeper is not one
# A string, or an unterminated one to the end of the text: a match never fails once it has begun,
# so the scan is linear (requiring the closing quote made each of n escaped quotes rescan the rest).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_STRUCTURE = re.compile(r"[^\[\]{},]+")
# Values a file may hold besides its numbers before its parse is refused: its keys, and containers.
SPARE_VALUES = 1000


def skeleton(text: str) -> str:
    """JSON text's brackets and commas, strings and everything else left out: its structure, read in
    a few passes in C, so that a document nested hundreds of thousands of levels deep, or of
    millions of tiny values, is refused in milliseconds, before the parser builds anything."""
    return _NOT_STRUCTURE.sub("", _JSON_STRING.sub("", text))


def nesting_depth(text: str) -> int:
    """How deeply JSON text nests its arrays and objects, brackets in strings aside."""
    return _depth(skeleton(text))


def value_count(structure: str) -> int:
    """How many values (numbers, strings, arrays, objects, keys aside) at most a JSON text whose
    ``skeleton`` this is holds: one for each comma and each opening bracket, and one at the top."""
    return structure.count(",") + structure.count("[") + structure.count("{") + 1


def _depth(structure: str) -> int:
    brackets = structure.replace(",", "")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), np.int8(1), np.int8(-1))
    return int(np.cumsum(steps, dtype=np.int32).max())  # 4 bytes a bracket; a file has fewer than 2**31


def _exact_enough(text: str) -> float:
    """A JSON number as float64, unless float64 would silently make it another number than the
    one written (beyond the rounding of its last digits, as for any decimal fraction)."""
    value = float(text)
    mantissa = text.lower().partition("e")[0]
    if value == 0 and mantissa.strip("-+0.") != "":
        raise ValueError(f"{quote(text)} is too small for float64, where it would read as 0: write 0 if 0 is meant")
    if math.isfinite(value) and abs(value) >= 2**53 and text.lstrip("-").isdigit() and int(text) != int(value):
        raise ValueError(
            f"the integer {quote(text)} is beyond 2**53, where float64 cannot hold it exactly:"
            " write it with a decimal point to accept the nearest float64"
        )
    return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: every number must be finite")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a file that says two things is refused instead.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {quote(key)}: each key may appear once")
        document[key] = value
    return document
