"""Files and dicts -> model objects: JSON documents, .pt state_dicts, inputs.

The JSON format (see README) holds torch's state_dict under ``state_dict`` and the inputs
``x``, ``h0``, ``c0`` beside it; ``cell`` names the cell type (default ``lstm``). The state_dict's
keys and shapes are checked in state_dicts.py, every value in values.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .cells import CELLS
from .errors import InputError
from .foreign import model_format, read_model
from .model import LOSSES, Array, Example, Inputs, Loss, Network
from .state_dicts import infer_cell, network_from_state_dict, select_module, unwrap_checkpoint
from .values import MAX_NUMBERS, kind, one_line, quote, quote_any, require_ndim, shape_text, to_array

INPUT_KEYS = ("x", "h0", "c0", "target", "loss", "grad_output", "lr")
DOCUMENT_KEYS = ("cell", "state_dict", *INPUT_KEYS)
TORCH_SUFFIXES = (".pt", ".pth")
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format, whatever the file is called
_PICKLE_MAGIC = b"\x80"  # a pickle's PROTO opcode: torch.save's legacy format (_use_new_zipfile_serialization=False)

Source = str | os.PathLike[str] | bytes | Mapping[str, Any]


def load(
    source: Source,
    *,
    inputs: Source | None = None,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
    max_numbers: int = MAX_NUMBERS,
    layer: str | None = None,
) -> Example:
    """Load a network and its inputs: a JSON file's path, a dict in the JSON format, a .pt/.pth
    state_dict, or the bytes of either kind of file.

    ``inputs`` (a JSON file's path or a dict with x (T, I), h0 and c0) replaces the inputs of the
    source; a state_dict holds none, so it needs them. ``prefix`` picks one recurrent module out of
    a larger model's state_dict (found by itself when there is only one); ``cell`` names the cell
    type where the shapes leave it open. Arrays may be nested lists or NumPy arrays. ``where``
    names the source in messages (default: its path). A file is refused before it is read when it
    is larger than ``max_numbers`` numbers could need, and a torch file when its tensors hold more.
    A Keras (.keras, .h5) or ONNX file is read too (see keras_io, onnx_io): ``layer`` names its
    recurrent layer or node when it has several. Raises InputError naming what is wrong.
    """
    network, own_inputs, where = load_network(
        source, prefix=prefix, cell=cell, where=where, max_numbers=max_numbers, layer=layer
    )
    return Example(network, resolve_inputs(network, own_inputs, inputs, where, max_numbers=max_numbers), where)


def resolve_inputs(
    network: Network,
    own_inputs: Mapping[str, Any] | None,
    inputs: Source | None,
    where: str,
    *,
    max_numbers: int = MAX_NUMBERS,
) -> Inputs:
    """The inputs a network runs on: ``inputs`` when given, else those stored with it (see load_network)."""
    if inputs is not None:
        document, inputs_where = read_inputs(inputs, max_numbers=max_numbers)
        if network.provenance is not None:  # the initial states an ONNX file stores, unless the inputs give theirs
            document = {**network.provenance.initial_states, **document}
        with said_of(inputs_where):
            return inputs_from_document(document, network)
    with said_of(where):
        if own_inputs is None:
            holder = "a state_dict" if network.provenance is None else f"a {network.provenance.framework} model"
            raise InputError(
                f"{holder} holds no inputs: give them with --inputs FILE.json (inputs= in Python),"
                f' a JSON object with "x" of shape (T, {network.input_size}) and optionally "h0" and "c0"'
            )
        return inputs_from_document(own_inputs, network)


def load_network(
    source: Source,
    *,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
    max_numbers: int = MAX_NUMBERS,
    layer: str | None = None,
) -> tuple[Network, Mapping[str, Any] | None, str]:
    """The network of ``source``, the inputs stored beside it (None for a state_dict) and its name for messages."""
    where = where or _name(source)
    with said_of(where):
        if isinstance(source, Mapping):
            return (*_from_document(source, prefix, cell), where)
        named_torch = Path(where).suffix.lower() in TORCH_SUFFIXES
        if named_torch:
            from .torch_io import require_torch

            require_torch()  # before the file: without torch, whether it exists does not matter
        data = source if isinstance(source, bytes) else read_file(Path(source), max_numbers)
        model = None if named_torch else model_format(where, data)
        if model is not None:
            return read_model(model, data, where, layer, (prefix, cell), max_numbers), None, where
        if layer is not None:
            raise InputError("--layer picks a layer of a Keras or ONNX file; in a state_dict, --prefix picks a module")
        if named_torch or is_torch_file(data):
            return _from_torch_file(data, prefix, cell, max_numbers), None, where
        return (*_from_document(read_json(data, max_numbers=max_numbers), prefix, cell), where)


def read_inputs(source: Source, *, max_numbers: int = MAX_NUMBERS) -> tuple[Mapping[str, Any], str]:
    """An inputs document (x, h0, c0 as in the JSON format) and its name for messages."""
    where = "<inputs>" if isinstance(source, Mapping) else _name(source)
    with said_of(where):
        if isinstance(source, Mapping):
            document = source
        else:
            data = source if isinstance(source, bytes) else read_file(Path(source), max_numbers)
            document = read_json(data, 'a JSON object with "x" (and optionally "h0", "c0")', max_numbers)
        unknown = sorted(set(document) - set(INPUT_KEYS))
        if unknown:
            raise InputError(f"unknown key {quote(unknown[0])} (an inputs file holds {', '.join(INPUT_KEYS)})")
    return document, where


def _name(source: Source) -> str:
    if isinstance(source, Mapping):
        return "<dict>"
    return "<bytes>" if isinstance(source, bytes) else one_line(str(source))


@contextmanager
def said_of(source: str) -> Iterator[None]:
    """An InputError raised inside is said of ``source``: the one place a file's name joins its message."""
    try:
        yield
    except InputError as error:
        raise error.within(source) from None


def is_torch_file(data: bytes) -> bool:
    """torch.save's zip, or its legacy format (a pickle): never JSON, which is UTF-8 text."""
    return data.startswith((_ZIP_MAGIC, _PICKLE_MAGIC))


BYTES_PER_NUMBER = 32  # what a file may spend on each number it holds: a float64's 17 digits, its exponent, ", "


def read_file(path: Path, max_numbers: int = MAX_NUMBERS) -> bytes:
    """The bytes of a regular file, refused unread when it is larger than ``max_numbers`` numbers need."""
    with open_regular(path) as (stream, size):
        _require_bytes(size, max_numbers)
        try:
            return read_stream(stream, max_numbers)
        except OSError as error:
            raise InputError(f"cannot read the file ({error.strerror})") from None


@contextmanager
def open_regular(path: Path) -> Iterator[tuple[BinaryIO, int]]:
    """A regular file open for reading, and its size in bytes. A FIFO, a device or a directory is
    refused without reading it: /dev/zero would never end."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; a regular file ignores the flag.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(f"cannot read the file: not a regular file ({_file_kind(status.st_mode)})")
        yield stream, status.st_size


def read_stream(stream: BinaryIO, max_numbers: int = MAX_NUMBERS) -> bytes:
    """All of ``stream`` (stdin), refused once it is longer than ``max_numbers`` numbers need:
    an endless stream is never read to its end."""
    data = stream.read(BYTES_PER_NUMBER * max_numbers + 1)
    _require_bytes(len(data), max_numbers, whole=False)
    return data


def _require_bytes(size: int, max_numbers: int, whole: bool = True) -> None:
    """Refuse ``size`` bytes (all of a file, or the start of a stream when not ``whole``) beyond the limit."""
    limit = BYTES_PER_NUMBER * max_numbers
    if size > limit:
        found = f"the file is {size} bytes" if whole else f"more than {limit} bytes"
        needed = f"--max-numbers {-(-size // BYTES_PER_NUMBER)}" if whole else "a larger --max-numbers"
        raise InputError(
            f"{found}, more than the limit of {limit} ({BYTES_PER_NUMBER} bytes a number, for"
            f" --max-numbers {max_numbers}): pass {needed} (max_numbers= in Python) to read it anyway"
        )


def _file_kind(mode: int) -> str:
    kinds = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
    return kinds.get(stat.S_IFMT(mode), "a socket")


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


def _from_document(
    document: Mapping[str, Any], prefix: str | None, cell: str | None
) -> tuple[Network, Mapping[str, Any]]:
    unknown = sorted(set(document) - set(DOCUMENT_KEYS))
    if unknown:
        raise InputError(f"unknown key {quote(unknown[0])} (expected {', '.join(DOCUMENT_KEYS)})")
    cell_name = document.get("cell", cell or "lstm")
    if cell is not None and cell_name != cell:
        raise InputError(f"the file says cell {quote_any(cell_name)}, --cell says {quote(cell)}")
    if "state_dict" not in document:
        raise InputError("missing key 'state_dict' (torch's parameter names and arrays)")
    state = document["state_dict"]
    if not isinstance(state, Mapping):
        raise InputError(f"state_dict must be an object, found {kind(state)}")
    network = network_from_state_dict(select_module(state, prefix), cell_name)
    return network, {key: document[key] for key in INPUT_KEYS if key in document}


def _from_torch_file(data: bytes, prefix: str | None, cell: str | None, max_numbers: int) -> Network:
    from . import torch_io  # torch is loaded for .pt files only

    state, prefix = unwrap_checkpoint(torch_io.read(data), prefix)
    arrays = torch_io.to_numpy(select_module(state, prefix), max_numbers)
    return network_from_state_dict(arrays, cell or infer_cell(arrays))


def inputs_from_document(document: Mapping[str, Any], network: Network) -> Inputs:
    """x, h0 and c0 for ``network``, and what the backward pass differentiates: x is required, the
    initial states default to zeros, and without target or grad_output there is no backward pass."""
    if "x" not in document:
        raise InputError(f"missing key 'x' (the input sequence, shape (T, {network.input_size}))")
    x = to_array(document["x"], "x")
    if x.size == 0:
        raise InputError(f"x is empty: give at least one step of {network.input_size} numbers")
    if x.ndim == 1:
        x = x[np.newaxis, :]  # a flat list is one step
    require_ndim(x, 2, "x")
    if x.shape[1] != network.input_size:
        raise InputError(f"x has shape {shape_text(x.shape)}, expected (T, {network.input_size}) = (T, input_size)")
    states = network.num_layers * network.num_directions
    h0 = _state(document, "h0", (states, network.output_size))
    c0 = None
    if CELLS[network.cell].has_cell_state:
        c0 = _state(document, "c0", (states, network.hidden_size))
    elif document.get("c0") is not None:  # null: not given, as for an LSTM
        raise InputError(f"c0 given, but a {CELLS[network.cell].title} has no cell state")
    return Inputs(x=x, h0=h0, c0=c0, loss=_loss(document, (x.shape[0], network.num_directions * network.output_size)))


def _loss(document: Mapping[str, Any], shape: tuple[int, int]) -> Loss | None:
    """The loss of the output (shape (T, D·H_out)) against ``target``, or the ``grad_output`` given."""
    given = [key for key in ("target", "grad_output") if document.get(key) is not None]
    if len(given) == 2:
        raise InputError(
            "target and grad_output exclude each other: give a target to compare the output with,"
            " or the gradient that arrives at it"
        )
    for key in ("loss", "lr"):
        if document.get(key) is not None and not given:
            raise InputError(f"{key} given without a target (or grad_output): there is nothing to differentiate")
    if not given:
        return None
    lr = _learning_rate(document.get("lr"))
    if given == ["grad_output"]:
        if document.get("loss") is not None:
            raise InputError(
                "loss given with grad_output: a loss compares the output with a target;"
                " grad_output is the gradient already"
            )
        return Loss("grad_output", None, _output_shaped(document, "grad_output", shape), lr)
    kind = document.get("loss", LOSSES[0])
    if kind not in LOSSES:
        raise InputError(f"loss is {quote_any(kind)}, expected one of {', '.join(LOSSES)}")
    return Loss(kind, _output_shaped(document, "target", shape), None, lr)


def _output_shaped(document: Mapping[str, Any], key: str, shape: tuple[int, int]) -> Array:
    value = to_array(document[key], key)
    if value.ndim == 1 and shape[0] == 1:
        value = value[np.newaxis, :]  # a flat list is one step, as for x
    if value.shape != shape:
        raise InputError(
            f"{key} has shape {shape_text(value.shape)}, expected {shape_text(shape)}"
            " = (T, num_directions·output_size), the shape of the output"
        )
    return value


def _learning_rate(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"lr is {kind(value)}, expected a positive finite number")
    if not 0 < value < math.inf:
        raise InputError(f"lr is {value!r}, expected a positive finite number")
    return float(value)


def _state(document: Mapping[str, Any], key: str, shape: tuple[int, int]) -> Array:
    if document.get(key) is None:
        return np.zeros(shape)
    value = to_array(document[key], key)
    if value.ndim == 1 and shape[0] == 1:
        value = value[np.newaxis, :]
    if value.shape != shape:
        raise InputError(
            f"{key} has shape {shape_text(value.shape)}, expected {shape_text(shape)}"
            " = (num_layers·num_directions, " + ("hidden_size)" if key == "c0" else "output_size)")
        )
    return value
