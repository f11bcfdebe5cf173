"""JSON documents and state_dicts -> model objects. Every key, type and shape is checked here.

The JSON format (see README) holds torch's state_dict under ``state_dict`` and the inputs
``x``, ``h0``, ``c0`` beside it; ``cell`` names the cell type (default ``lstm``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .cells import CELLS
from .errors import InputError
from .model import Array, DirectionParams, Example, Inputs, Network

DOCUMENT_KEYS = ("cell", "state_dict", "x", "h0", "c0")
INPUT_KEYS = ("x", "h0", "c0")
_CELL_MODULE_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # nn.LSTMCell, nn.GRUCell, ...

Source = str | os.PathLike[str] | Mapping[str, Any]


def load(source: Source) -> Example:
    """Load a network and its inputs from a JSON file's path, or from a dict in the JSON format.

    Arrays may be nested lists or NumPy arrays. Raises InputError naming what is wrong.
    """
    if isinstance(source, Mapping):
        return example_from_document(source, "<dict>")
    where = str(source)
    return example_from_document(read_json(read_bytes(Path(source)), where), where)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from None


def read_json(data: bytes, where: str) -> Mapping[str, Any]:
    """Parse a JSON object strictly: UTF-8, no NaN or Infinity, a bounded depth."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{where}: not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise InputError(f"{where}: the file is empty")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: not valid JSON: nested too deeply") from None
    except ValueError as error:  # _reject_constant
        raise InputError(f"{where}: {error}") from None
    if not isinstance(document, dict):
        raise InputError(f"{where}: expected a JSON object with a state_dict, found {_kind(document)}")
    return document


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: every number must be finite")


def example_from_document(document: Mapping[str, Any], where: str) -> Example:
    unknown = sorted(set(document) - set(DOCUMENT_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(DOCUMENT_KEYS)})")
    cell = document.get("cell", "lstm")
    if "state_dict" not in document:
        raise InputError(f"{where}: missing key 'state_dict' (torch's parameter names and arrays)")
    state = document["state_dict"]
    if not isinstance(state, Mapping):
        raise InputError(f"{where}: state_dict must be an object, found {_kind(state)}")
    network = network_from_state_dict(state, cell, where)
    return Example(network, inputs_from_document(document, network, where), where)


def network_from_state_dict(state: Mapping[str, Any], cell_name: Any, where: str) -> Network:
    """Infer a torch recurrent layer from its state_dict's keys and shapes, checking all of them."""
    if not isinstance(cell_name, str) or cell_name not in CELLS:
        raise InputError(f"{where}: unknown cell {cell_name!r} (expected one of {', '.join(CELLS)})")
    gate_count = len(CELLS[cell_name].gates)
    state = _layer_names(state)
    if "weight_ih_l0" not in state:
        raise InputError(f"{where}: state_dict: missing key 'weight_ih_l0'")
    num_layers = 1
    while f"weight_ih_l{num_layers}" in state:
        num_layers += 1
    bidirectional = "weight_ih_l0_reverse" in state
    bias = "bias_ih_l0" in state or "bias_hh_l0" in state
    projected = "weight_hr_l0" in state
    suffixes = [
        f"_l{layer}{reverse}" for layer in range(num_layers) for reverse in ["", "_reverse"][: 1 + bidirectional]
    ]
    names = ["weight_ih", "weight_hh"] + ["bias_ih", "bias_hh"] * bias + ["weight_hr"] * projected
    expected = [name + suffix for suffix in suffixes for name in names]
    missing = [key for key in expected if key not in state]
    if missing:
        raise InputError(f"{where}: state_dict: missing key {missing[0]!r}{_missing_hint(missing[0], state)}")
    unknown = sorted(set(state) - set(expected))
    if unknown:
        raise InputError(f"{where}: state_dict: unexpected key {unknown[0]!r} ({_gap_hint(unknown[0], num_layers)})")

    arrays = {key: to_array(state[key], f"{where}: state_dict.{key}") for key in expected}
    first = arrays["weight_ih_l0"]
    _require_ndim(first, 2, f"{where}: state_dict.weight_ih_l0")
    rows, input_size = first.shape
    if rows == 0 or rows % gate_count:
        raise InputError(
            f"{where}: state_dict.weight_ih_l0 has {rows} rows; a {cell_name} needs {gate_count}·hidden_size"
            f" rows{_cell_hint(cell_name, arrays)}"
        )
    hidden_size = rows // gate_count
    output_size = arrays["weight_hr_l0"].shape[0] if projected else hidden_size
    directions = []
    for suffix in suffixes:
        layer = int(suffix[2:].removesuffix("_reverse"))
        layer_input = input_size if layer == 0 else output_size * (1 + bidirectional)
        shapes = {
            "weight_ih": ((rows, layer_input), f"({gate_count}·hidden_size, {_input_name(layer)})"),
            "weight_hh": ((rows, output_size), f"({gate_count}·hidden_size, {_output_name(projected)})"),
            "bias_ih": ((rows,), f"({gate_count}·hidden_size,)"),
            "bias_hh": ((rows,), f"({gate_count}·hidden_size,)"),
            "weight_hr": ((output_size, hidden_size), "(proj_size, hidden_size)"),
        }
        for name in names:
            shape, meaning = shapes[name]
            actual = arrays[name + suffix].shape
            if actual != shape:
                raise InputError(
                    f"{where}: state_dict.{name}{suffix} has shape {_shape(actual)}, expected {_shape(shape)}"
                    f" = {meaning}{_cell_hint(cell_name, arrays)}"
                )
        directions.append(
            DirectionParams(
                layer=layer,
                reverse=suffix.endswith("_reverse"),
                weight_ih=arrays["weight_ih" + suffix],
                weight_hh=arrays["weight_hh" + suffix],
                bias_ih=arrays.get("bias_ih" + suffix),
                bias_hh=arrays.get("bias_hh" + suffix),
                weight_hr=arrays.get("weight_hr" + suffix),
            )
        )
    return Network(
        cell=cell_name,
        input_size=input_size,
        hidden_size=hidden_size,
        proj_size=output_size if projected else 0,
        num_layers=num_layers,
        bidirectional=bidirectional,
        bias=bias,
        directions=tuple(directions),
    )


def _layer_names(state: Mapping[str, Any]) -> Mapping[str, Any]:
    """nn.LSTMCell and its kin name their parameters without a layer suffix: one layer, _l0."""
    if "weight_ih" in state and not any(key.startswith("weight_ih_l") for key in state):
        return {f"{key}_l0" if key in _CELL_MODULE_KEYS else key: value for key, value in state.items()}
    return state


def _input_name(layer: int) -> str:
    return "input_size" if layer == 0 else "num_directions·output_size"


def _output_name(projected: bool) -> str:
    return "proj_size" if projected else "hidden_size"


def _missing_hint(key: str, state: Mapping[str, Any]) -> str:
    if key.startswith("bias_"):
        return " (bias_ih and bias_hh come together: give both or neither)"
    if key.startswith("weight_hr"):
        return " (a projection needs weight_hr in every layer and direction)"
    if key.endswith("_reverse"):
        return " (a bidirectional layer needs _reverse weights in every layer)"
    return ""


def _gap_hint(key: str, num_layers: int) -> str:
    if key.startswith(("weight_", "bias_")) and "_l" in key:
        return f"layers must be numbered 0 to n-1 without gaps; found {num_layers} consecutive from _l0"
    return "expected torch's names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..."


def _cell_hint(cell_name: str, arrays: Mapping[str, Array]) -> str:
    """Name the cell type the shapes fit, when the user declared another one."""
    ih, hh = arrays["weight_ih_l0"], arrays["weight_hh_l0"]
    if ih.ndim != 2 or hh.ndim != 2:
        return ""
    for name, cell in CELLS.items():
        gate_count = len(cell.gates)
        if name != cell_name and ih.shape[0] % gate_count == 0 and hh.shape == (ih.shape[0], ih.shape[0] // gate_count):
            return f'; the shapes fit a {cell.title}: set "cell": "{name}"'
    return ""


def inputs_from_document(document: Mapping[str, Any], network: Network, where: str) -> Inputs:
    """x, h0 and c0 for ``network``: x is required, the initial states default to zeros."""
    if "x" not in document:
        raise InputError(f"{where}: missing key 'x' (the input sequence, shape (T, {network.input_size}))")
    x = to_array(document["x"], f"{where}: x")
    if x.ndim == 1:
        x = x[np.newaxis, :]  # a flat list is one step
    _require_ndim(x, 2, f"{where}: x")
    if x.shape[0] == 0:
        raise InputError(f"{where}: x is empty: give at least one step of {network.input_size} numbers")
    if x.shape[1] != network.input_size:
        raise InputError(
            f"{where}: x has shape {_shape(x.shape)}, expected (T, {network.input_size}) = (T, input_size)"
        )
    states = network.num_layers * network.num_directions
    h0 = _state(document, "h0", (states, network.output_size), where)
    c0 = None
    if CELLS[network.cell].has_cell_state:
        c0 = _state(document, "c0", (states, network.hidden_size), where)
    elif "c0" in document:
        raise InputError(f"{where}: c0 given, but a {CELLS[network.cell].title} has no cell state")
    return Inputs(x=x, h0=h0, c0=c0)


def _state(document: Mapping[str, Any], key: str, shape: tuple[int, int], where: str) -> Array:
    if document.get(key) is None:
        return np.zeros(shape)
    value = to_array(document[key], f"{where}: {key}")
    if value.ndim == 1 and shape[0] == 1:
        value = value[np.newaxis, :]
    if value.shape != shape:
        raise InputError(
            f"{where}: {key} has shape {_shape(value.shape)}, expected {_shape(shape)}"
            " = (num_layers·num_directions, " + ("hidden_size)" if key == "c0" else "output_size)")
        )
    return value


def to_array(value: Any, where: str) -> Array:
    """A float64 array from nested lists of numbers or a numeric array; anything else is an InputError."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise InputError(f"{where} has dtype {value.dtype}, expected numbers")
        array = value.astype(np.float64)
    else:
        _check_numbers(value, where, depth=0)
        array = np.array(value, dtype=np.float64)
    if array.ndim == 0:
        raise InputError(f"{where} is a single number, expected an array")
    if not np.isfinite(array).all():
        index = tuple(int(k) for k in np.argwhere(~np.isfinite(array))[0])
        raise InputError(f"{where}{''.join(f'[{k}]' for k in index)} is not finite ({array[index]})")
    return array


_MAX_DEPTH = 3


def _check_numbers(value: Any, where: str, depth: int) -> tuple[int, ...]:
    """The shape of nested lists of numbers; an InputError at the first entry that breaks it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    if not isinstance(value, list):
        raise InputError(f"{where} is {_kind(value)}, expected a number or a list")
    if depth == _MAX_DEPTH:
        raise InputError(f"{where} is nested too deeply (at most 2 dimensions)")
    if all(type(v) is float or type(v) is int for v in value):  # the common case: a row of numbers
        return (len(value),)
    shapes = [_check_numbers(v, f"{where}[{k}]", depth + 1) for k, v in enumerate(value)]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise InputError(
                f"{where} is ragged: {where}[{k}] has shape {_shape(shape)}, {where}[0] has {_shape(shapes[0])}"
            )
    return (len(value), *(shapes[0] if shapes else ()))


def _require_ndim(array: Array, ndim: int, where: str) -> None:
    if array.ndim != ndim:
        raise InputError(f"{where} has shape {_shape(array.shape)}, expected {ndim} dimensions")


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"a string ({value[:20]!r})"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
