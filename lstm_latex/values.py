"""Values from a file checked and made arrays: the one place that says what a bad value is and where it is."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any, TypeGuard

import numpy as np

from .errors import InputError
from .model import Array
from .tensors import require_plain, tensor_to_array

MAX_NUMBERS = 20_000_000  # the numbers a network and its inputs may hold (160 MB as float64), unless raised


def to_array(value: Any, path: str) -> Array:
    """A float64 array from nested lists of numbers, a numeric NumPy array or a torch tensor; anything
    else is an InputError naming ``path``, the value's key path (``state_dict.weight_ih_l0``, ``x``)."""
    if is_tensor(value):
        array = tensor_to_array(value, path)
    elif isinstance(value, np.ndarray):
        array = np.array(_plain_array(value, path), dtype=np.float64)  # a copy (a memmap is read here, once counted)
    else:
        shape_of(value, path)
        try:
            array = np.array(_arrays_read(value, path), dtype=np.float64)
        except OverflowError:  # a Python int beyond float64's range, from a dict
            array = np.array(_ints_as_floats(value), dtype=np.float64)
    if array.ndim == 0:
        raise InputError(f"{path} is a single number, expected an array")
    if not np.isfinite(array).all():
        index = tuple(int(k) for k in np.argwhere(~np.isfinite(array))[0])
        raise InputError(
            f"{path}{''.join(f'[{k}]' for k in index)} is not finite ({array[index]}):"
            " every number must be finite and within float64's range"
        )
    return array


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch.Tensor (an nn.Parameter too), told without importing torch:
    where torch was never imported, nothing is one."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def is_module(value: object) -> TypeGuard[Any]:
    """Whether ``value`` is a torch.nn.Module (a model, an nn.LSTM), told as is_tensor tells a tensor."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.nn.Module)


def is_array(value: Any) -> bool:
    """A NumPy array or a torch tensor: what holds its numbers in one block, counted by its shape."""
    return isinstance(value, np.ndarray) or is_tensor(value)


def dtype_name(value: Any) -> str | None:
    """The dtype of an array or tensor as both libraries write it (float16, bfloat16), else None."""
    if isinstance(value, np.ndarray):
        return str(value.dtype.name)
    return str(value.dtype).removeprefix("torch.") if is_tensor(value) else None


def _plain_array(value: np.ndarray[Any, Any], path: str) -> np.ndarray[Any, Any]:
    """A NumPy array of real numbers as a plain ndarray (np.matrix's rows are matrices too); a masked
    array is refused: its masked entries have no value to compute with."""
    if isinstance(value, np.ma.MaskedArray):
        raise InputError(f"{path} is a masked array, expected plain numbers: give np.ma.filled(...) or its .data")
    if value.dtype.kind not in "iuf":
        raise InputError(f"{path} has dtype {value.dtype}, expected numbers")
    return np.asarray(value)


def shape_of(value: Any, path: str) -> tuple[int, ...]:
    """The shape of nested lists of numbers (or of an array or tensor), checked without making the
    array: an InputError at the first entry that breaks it.

    A list that appears many times (a pickle may hold one row a thousand times at the cost of
    one) is checked once: the time taken is that of the distinct lists, as the file holds them.
    """
    if isinstance(value, np.ndarray):
        return tuple(_plain_array(value, path).shape)
    if is_tensor(value):
        require_plain(value, path)
        return tuple(value.shape)
    return _check_numbers(value, path, 0, {})


def _arrays_read(value: Any, path: str) -> Any:
    """Nested lists with every array or tensor in them read as float64 (a row of plain numbers as it is)."""
    if is_array(value):
        return to_array(value, path) if len(value.shape) else float(to_array(value.reshape(1), path)[0])
    if isinstance(value, list) and not all(type(v) is float or type(v) is int for v in value):
        return [_arrays_read(v, f"{path}[{k}]") for k, v in enumerate(value)]
    return value


def _ints_as_floats(value: Any) -> Any:
    if isinstance(value, list):
        return [_ints_as_floats(v) for v in value]
    return float(value) if value < 1e308 and value > -1e308 else float("inf")


_MAX_NDIM = 3  # a batch of sequences, (B, T, I); a weight has 2, and its shape says so where it is checked


def _check_numbers(value: Any, path: str, depth: int, seen: dict[tuple[int, int], tuple[int, ...]]) -> tuple[int, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    if is_array(value):  # an array or tensor among the lists: its shape, as it says it
        own = shape_of(value, path)
        if depth + len(own) > _MAX_NDIM:
            raise InputError(f"{path} is nested too deeply (at most {_MAX_NDIM} dimensions)")
        return own
    if not isinstance(value, list):
        raise InputError(f"{path} is {kind(value)}, expected a number or a list")
    if depth == _MAX_NDIM:
        raise InputError(f"{path} is nested too deeply (at most {_MAX_NDIM} dimensions)")
    if (id(value), depth) in seen:
        return seen[id(value), depth]
    if all(type(v) is float or type(v) is int for v in value):  # the common case: a row of numbers
        shape: tuple[int, ...] = (len(value),)
    else:
        shapes = [_check_numbers(v, f"{path}[{k}]", depth + 1, seen) for k, v in enumerate(value)]
        for k, entry in enumerate(shapes):
            if entry != shapes[0]:
                raise InputError(
                    f"{path} is ragged: its entry [{k}] has shape {shape_text(entry)}, [0] has {shape_text(shapes[0])}"
                )
        shape = (len(value), *(shapes[0] if shapes else ()))
    seen[id(value), depth] = shape  # the list stays alive in ``value``, so its id is not reused meanwhile
    return shape


def require_budget(shapes: Mapping[str, tuple[int, ...]], what: str, max_numbers: int) -> None:
    """Refuse arrays of ``shapes`` (by key path) holding more than ``max_numbers`` numbers in all,
    before any of them is made."""
    sizes = {path: math.prod(shape) for path, shape in shapes.items()}
    total = sum(sizes.values())
    if total > max_numbers:
        largest = max(sizes, key=sizes.__getitem__)
        raise InputError(
            f"{what} holds {total} numbers ({largest} {shape_text(shapes[largest])}), more than the limit of"
            f" {max_numbers}: pass --max-numbers {total} (max_numbers= in Python) to read it anyway"
        )


def require_ndim(array: Array, ndim: int, path: str) -> None:
    if array.ndim != ndim:
        raise InputError(f"{path} has shape {shape_text(array.shape)}, expected {ndim} dimensions")


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
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def quote_any(value: Any) -> str:
    return quote(value) if isinstance(value, str) else kind(value)


def one_line(name: str) -> str:
    """A file's name as a message shows it: on one line, whatever characters it holds."""
    return name if name.isprintable() else repr(name)[1:-1]


def quote(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, cut short: a key or value from a file can be any length."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."
