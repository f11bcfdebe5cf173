"""JSON documents and state_dicts -> model objects. Every key, type and shape is checked here.

The JSON format (see README) holds torch's state_dict under ``state_dict`` and the inputs
``x``, ``h0``, ``c0`` beside it; ``cell`` names the cell type (default ``lstm``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .cells import CELLS
from .errors import InputError
from .model import Array, DirectionParams, Example, Inputs, Network

DOCUMENT_KEYS = ("cell", "state_dict", "x", "h0", "c0")
INPUT_KEYS = ("x", "h0", "c0")
TORCH_SUFFIXES = (".pt", ".pth")
CHECKPOINT_KEYS = ("state_dict", "model_state_dict")  # where training checkpoints keep the model's state_dict
_CELL_MODULE_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # nn.LSTMCell, nn.GRUCell, ...
_MODULE_FIRST_KEYS = ("weight_ih_l0", "weight_ih")  # a recurrent module's first parameter, layer or cell
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format, whatever the file is called

Source = str | os.PathLike[str] | Mapping[str, Any]


def load(
    source: Source,
    *,
    inputs: Source | None = None,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
) -> Example:
    """Load a network and its inputs: a JSON file's path, a dict in the JSON format, or a .pt/.pth state_dict.

    ``inputs`` (a JSON file's path or a dict with x (T, I), h0 and c0) replaces the inputs of the
    source; a state_dict holds none, so it needs them. ``prefix`` picks one recurrent module out of
    a larger model's state_dict (found by itself when there is only one); ``cell`` names the cell
    type where the shapes leave it open. Arrays may be nested lists or NumPy arrays. Raises
    InputError naming what is wrong.
    """
    network, own_inputs, where = load_network(source, prefix=prefix, cell=cell, where=where)
    return Example(network, resolve_inputs(network, own_inputs, inputs, where), where)


def resolve_inputs(network: Network, own_inputs: Mapping[str, Any] | None, inputs: Source | None, where: str) -> Inputs:
    """The inputs a network runs on: ``inputs`` when given, else those stored with it (see load_network)."""
    if inputs is not None:
        document, inputs_where = read_inputs(inputs)
        return inputs_from_document(document, network, inputs_where)
    if own_inputs is None:
        raise InputError(
            f"{where}: a state_dict holds no inputs: give them with --inputs FILE.json (inputs= in Python),"
            f' a JSON object with "x" of shape (T, {network.input_size}) and optionally "h0" and "c0"'
        )
    return inputs_from_document(own_inputs, network, where)


def load_network(
    source: Source, *, prefix: str | None = None, cell: str | None = None, where: str | None = None
) -> tuple[Network, Mapping[str, Any] | None, str]:
    """The network of ``source``, the inputs stored beside it (None for a state_dict) and its name for messages."""
    if isinstance(source, Mapping):
        where = where or "<dict>"
        return (*_from_document(source, where, prefix, cell), where)
    path = Path(source)
    where = where or str(source)
    if path.suffix.lower() in TORCH_SUFFIXES:
        return _from_torch_file(path, where, prefix, cell), None, where
    data = read_bytes(path)
    if data.startswith(_ZIP_MAGIC):
        return _from_torch_file(path, where, prefix, cell), None, where
    return (*_from_document(read_json(data, where), where, prefix, cell), where)


def read_inputs(source: Source) -> tuple[Mapping[str, Any], str]:
    """An inputs document (x, h0, c0 as in the JSON format) and its name for messages."""
    if isinstance(source, Mapping):
        document, where = source, "<inputs>"
    else:
        where = str(source)
        document = read_json(read_bytes(Path(source)), where)
    unknown = sorted(set(document) - set(INPUT_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {_quote(unknown[0])} (an inputs file holds {', '.join(INPUT_KEYS)})")
    return document, where


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from None


def read_json(data: bytes, where: str) -> Mapping[str, Any]:
    """Parse a JSON object strictly: UTF-8, no NaN or Infinity, no duplicate keys, a bounded depth.

    Integers are read as floats, so that a number too long for float64 becomes inf and is refused
    with its place by to_array, rather than failing inside the parser.
    """
    try:
        text = data.decode("utf-8-sig")  # a byte order mark, as some Windows editors write, is dropped
    except UnicodeDecodeError as error:
        raise InputError(f"{where}: not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise InputError(f"{where}: the file is empty")
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise InputError(f"{where}: not valid JSON: nested {depth} levels deep (a weights file needs 4)")
    try:
        document = json.loads(
            text, parse_constant=_reject_constant, parse_int=float, object_pairs_hook=_reject_duplicates
        )
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:  # nesting_depth should have caught it; the parser's own limit is the last guard
        raise InputError(f"{where}: not valid JSON: nested too deeply") from None
    except ValueError as error:  # _reject_constant, _reject_duplicates
        raise InputError(f"{where}: {error}") from None
    if not isinstance(document, dict):
        raise InputError(f"{where}: expected a JSON object with a state_dict, found {_kind(document)}")
    return document


MAX_NESTING = 32  # a weights file is 4 deep; anything far deeper is not one
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting_depth(text: str) -> int:
    """How deeply JSON text nests its arrays and objects, brackets in strings aside.

    A few passes in C over the text: a document nested hundreds of thousands of levels deep is
    refused in milliseconds, before the parser sees it.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: every number must be finite")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a file that says two things is refused instead.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {_quote(key)}: each key may appear once")
        document[key] = value
    return document


def _from_document(
    document: Mapping[str, Any], where: str, prefix: str | None, cell: str | None
) -> tuple[Network, Mapping[str, Any]]:
    unknown = sorted(set(document) - set(DOCUMENT_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {_quote(unknown[0])} (expected {', '.join(DOCUMENT_KEYS)})")
    cell_name = document.get("cell", cell or "lstm")
    if cell is not None and cell_name != cell:
        raise InputError(f"{where}: the file says cell {_quote_any(cell_name)}, --cell says {cell!r}")
    if "state_dict" not in document:
        raise InputError(f"{where}: missing key 'state_dict' (torch's parameter names and arrays)")
    state = document["state_dict"]
    if not isinstance(state, Mapping):
        raise InputError(f"{where}: state_dict must be an object, found {_kind(state)}")
    network = network_from_state_dict(select_module(state, prefix, where), cell_name, where)
    return network, {key: document[key] for key in INPUT_KEYS if key in document}


def _from_torch_file(path: Path, where: str, prefix: str | None, cell: str | None) -> Network:
    from . import torch_io  # torch is loaded for .pt files only

    state = unwrap_checkpoint(torch_io.read(path, where), where)
    arrays = torch_io.to_numpy(select_module(state, prefix, where), where)
    return network_from_state_dict(arrays, cell or infer_cell(arrays, where), where)


def unwrap_checkpoint(loaded: Any, where: str) -> Mapping[str, Any]:
    """The state_dict in what torch.load returned: the dict itself, or a checkpoint's ``state_dict`` entry."""
    if not isinstance(loaded, Mapping):
        raise InputError(
            f"{where}: holds {_kind(loaded)}, not a state_dict (a dict of parameter names to tensors):"
            " save model.state_dict()"
        )
    for key in CHECKPOINT_KEYS:
        if isinstance(loaded.get(key), Mapping):
            return unwrap_checkpoint(loaded[key], where)
    if not all(isinstance(key, str) for key in loaded):
        raise InputError(f"{where}: a state_dict's keys are parameter names; found a key that is not a string")
    return loaded


def module_prefixes(state: Mapping[str, Any]) -> list[str]:
    """The prefixes of the recurrent modules in a model's state_dict: "encoder.lstm", or "" at the top."""
    found = set()
    for key in state:
        for first in _MODULE_FIRST_KEYS:
            if key == first or key.endswith("." + first):
                found.add(key.removesuffix(first).removesuffix("."))
    return sorted(found)


def select_module(state: Mapping[str, Any], prefix: str | None, where: str) -> Mapping[str, Any]:
    """The keys of one recurrent module, named as inside it: ``prefix`` or the only module there is."""
    found = module_prefixes(state)
    names = ", ".join(p or "'' (the top level)" for p in found)
    if prefix is None:
        if len(found) > 1:
            raise InputError(
                f"{where}: {len(found)} recurrent modules in the state_dict: choose one with --prefix: {names}"
            )
        if not found or not found[0]:
            return state  # the whole state_dict is one module, or nothing: network_from_state_dict says which
        prefix = found[0]
    prefix = prefix.removesuffix(".")
    if prefix not in found:
        where_found = f"found: {names}" if found else "no key ends in weight_ih_l0 or weight_ih"
        raise InputError(f"{where}: no recurrent module at --prefix {prefix!r} ({where_found})")
    if not prefix:
        return state
    start = prefix + "."
    return {key.removeprefix(start): value for key, value in state.items() if key.startswith(start)}


def infer_cell(state: Mapping[str, Any], where: str) -> str:
    """The cell type a state_dict's shapes fit (rows of weight_ih = gates · hidden_size), when only one does."""
    state = _layer_names(state)
    ih, hh, hr = (state.get(key) for key in ("weight_ih_l0", "weight_hh_l0", "weight_hr_l0"))
    if not (isinstance(ih, np.ndarray) and isinstance(hh, np.ndarray) and ih.ndim == 2 and hh.ndim == 2):
        return "lstm"  # network_from_state_dict names what is missing or wrong
    hidden_size = hr.shape[1] if isinstance(hr, np.ndarray) and hr.ndim == 2 else hh.shape[1]
    if hidden_size == 0 or ih.shape[0] % hidden_size:
        return "lstm"
    fits = [name for name, cell in CELLS.items() if len(cell.gates) == ih.shape[0] // hidden_size]
    if len(fits) > 1:
        raise InputError(
            f"{where}: the shapes fit {' and '.join(fits)} alike (a state_dict does not record which):"
            " choose with --cell"
        )
    return fits[0] if fits else "lstm"


def network_from_state_dict(state: Mapping[str, Any], cell_name: Any, where: str) -> Network:
    """Infer a torch recurrent layer from its state_dict's keys and shapes, checking all of them."""
    if not isinstance(cell_name, str):
        raise InputError(f"{where}: cell must be a string (one of {', '.join(CELLS)}), found {_kind(cell_name)}")
    if cell_name not in CELLS:
        raise InputError(f"{where}: unknown cell {_quote(cell_name)} (expected one of {', '.join(CELLS)})")
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
        raise InputError(
            f"{where}: state_dict: unexpected key {_quote(unknown[0])} ({_gap_hint(unknown[0], num_layers)})"
        )

    arrays = {key: to_array(state[key], f"{where}: state_dict.{key}") for key in expected}
    first = arrays["weight_ih_l0"]
    _require_ndim(first, 2, f"{where}: state_dict.weight_ih_l0")
    rows, input_size = first.shape
    if rows == 0 or rows % gate_count:
        raise InputError(
            f"{where}: state_dict.weight_ih_l0 has {rows} rows; a {cell_name} needs {gate_count}·hidden_size"
            f" rows{_cell_hint(cell_name, arrays)}"
        )
    if input_size == 0:
        raise InputError(f"{where}: state_dict.weight_ih_l0 has shape {_shape(first.shape)}: input_size must be >= 1")
    hidden_size = rows // gate_count
    output_size = hidden_size
    if projected:
        output_size = arrays["weight_hr_l0"].shape[0]
        if not 0 < output_size < hidden_size:
            raise InputError(
                f"{where}: state_dict.weight_hr_l0 has {output_size} rows: proj_size must be"
                f" between 1 and hidden_size - 1 = {hidden_size - 1}"
            )
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
    if x.size == 0:
        raise InputError(f"{where}: x is empty: give at least one step of {network.input_size} numbers")
    if x.ndim == 1:
        x = x[np.newaxis, :]  # a flat list is one step
    _require_ndim(x, 2, f"{where}: x")
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
        raise InputError(f"{where} is {_kind(value)}, expected a number or a list")
    if depth == _MAX_DEPTH:
        raise InputError(f"{where} is nested too deeply (at most 2 dimensions)")
    if all(type(v) is float or type(v) is int for v in value):  # the common case: a row of numbers
        return (len(value),)
    shapes = [_check_numbers(v, f"{where}[{k}]", depth + 1) for k, v in enumerate(value)]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise InputError(
                f"{where} is ragged: its entry [{k}] has shape {_shape(shape)}, [0] has {_shape(shapes[0])}"
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
        return f"a string ({_quote(value)})"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _quote_any(value: Any) -> str:
    return _quote(value) if isinstance(value, str) else _kind(value)


def _quote(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, cut short: a key or value from a file can be any length."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."
