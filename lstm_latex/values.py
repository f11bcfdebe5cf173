"""Values from a file checked and made arrays: the one place that says what a bad value is and where."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError
from .model import Array


def to_array(value: Any, where: str) -> Array:
    """A float64 array from nested lists of numbers or a numeric array; anything else is an InputError."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise InputError(f"{where} has dtype {value.dtype}, expected numbers")
        array = value.astype(np.float64)
    else:
        _check_numbers(value, where, depth=0)
        try:
            array = np.array(value, dtype=np.float64)
        except OverflowError:  # a Python int beyond float64's range, from a dict
            array = np.array(_ints_as_floats(value), dtype=np.float64)
    if array.ndim == 0:
        raise InputError(f"{where} is a single number, expected an array")
    if not np.isfinite(array).all():
        index = tuple(int(k) for k in np.argwhere(~np.isfinite(array))[0])
        raise InputError(
            f"{where}{''.join(f'[{k}]' for k in index)} is not finite ({array[index]}):"
            " every number must be finite and within float64's range"
        )
    return array


def _ints_as_floats(value: Any) -> Any:
    if isinstance(value, list):
        return [_ints_as_floats(v) for v in value]
    return float(value) if value < 1e308 and value > -1e308 else float("inf")


_MAX_DEPTH = 3


def _check_numbers(value: Any, where: str, depth: int) -> tuple[int, ...]:
    """The shape of nested lists of numbers; an InputError at the first entry that breaks it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    if not isinstance(value, list):
        raise InputError(f"{where} is {kind(value)}, expected a number or a list")
    if depth == _MAX_DEPTH:
        raise InputError(f"{where} is nested too deeply (at most 2 dimensions)")
    if all(type(v) is float or type(v) is int for v in value):  # the common case: a row of numbers
        return (len(value),)
    shapes = [_check_numbers(v, f"{where}[{k}]", depth + 1) for k, v in enumerate(value)]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise InputError(
                f"{where} is ragged: its entry [{k}] has shape {shape_text(shape)}, [0] has {shape_text(shapes[0])}"
            )
    return (len(value), *(shapes[0] if shapes else ()))


def require_ndim(array: Array, ndim: int, where: str) -> None:
    if array.ndim != ndim:
        raise InputError(f"{where} has shape {shape_text(array.shape)}, expected {ndim} dimensions")


def shape_text(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"a string ({quote(value)})"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def quote_any(value: Any) -> str:
    return quote(value) if isinstance(value, str) else kind(value)


def quote(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, cut short: a key or value from a file can be any length."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."
