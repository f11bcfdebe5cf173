"""Files and dicts -> model objects: JSON documents, .pt state_dicts, inputs.

The JSON format (see README) holds torch's state_dict under ``state_dict`` and the inputs
``x``, ``h0``, ``c0`` beside it; ``cell`` names the cell type (default ``lstm``). The state_dict's
keys and shapes are checked in state_dicts.py, every value in values.py.
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import formats
from .cells import CELLS
from .errors import InputError
from .foreign import model_format, read_model
from .json_text import BYTES_PER_NUMBER, read_json
from .model import LOSSES, Array, Batch, Example, Inputs, Loss, Network
from .state_dicts import (
    CHECKPOINT_KEYS,
    find_module,
    infer_cell,
    module_prefixes,
    network_from_state_dict,
    require_string_keys,
    select_module,
    unwrap_checkpoint,
)
from .values import (
    MAX_NUMBERS,
    dtype_name,
    is_array,
    is_module,
    kind,
    one_line,
    quote,
    quote_any,
    require_budget,
    require_ndim,
    shape_of,
    shape_text,
    to_array,
)

INPUT_KEYS = ("x", "h0", "c0", "target", "loss", "grad_output", "lr")
DOCUMENT_KEYS = ("cell", "state_dict", *INPUT_KEYS)
TORCH_SUFFIXES = (".pt", ".pth")
_ARRAY_INPUTS = ("x", "h0", "c0", "target", "grad_output")

Source = str | os.PathLike[str] | bytes | Mapping[str, Any]  # and, in Python, a torch module
# A binary kind of file (formats.content_kind) -> the network it holds, from (data, prefix, cell, max_numbers).
NetworkReader = Callable[[bytes, "str | None", "str | None", int], Network]


def load(
    source: object,
    *,
    inputs: object = None,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
    max_numbers: int = MAX_NUMBERS,
    x: object = None,
    h0: object = None,
    c0: object = None,
    target: object = None,
    batch_index: int | None = None,
    batch_first: bool | None = None,
    layer: str | None = None,
) -> Example:
    """Load a network and its inputs: a file's path (JSON, a torch .pt/.pth, .safetensors) or its
    bytes, a dict (in the JSON format, or a state_dict or checkpoint as torch gives it), or a
    torch module (an nn.LSTM, or a model holding one).

    ``inputs`` (a file's path: JSON, .npy, .npz or a torch file of a tensor or a dict of them; a
    dict; or x itself as an array or tensor) replaces the inputs of the source; a state_dict holds
    none, so it needs them, or ``x``, ``h0``, ``c0`` and ``target`` (arrays, tensors or nested lists).
    ``prefix`` is the path from the top of the source to one recurrent module (found by itself when
    there is only one); ``cell`` names the cell type where the shapes leave it open.

    x of shape (B, T, I) is a batch, or (T, B, I) with ``batch_first=False`` (a module's own
    batch_first is the default, else True): ``batch_index`` picks its sequence, which a batch of
    one needs not. A Keras (.keras, .h5) or ONNX file is read too (see keras_io, onnx_io): ``layer``
    names its recurrent layer or node when it has several. ``where`` names the source in messages
    (default: its path). Every source is
    refused before it is converted when it holds more than ``max_numbers`` numbers.
    Raises InputError naming what is wrong.
    """
    given = {key: value for key, value in (("x", x), ("h0", h0), ("c0", c0), ("target", target)) if value is not None}
    if given and inputs is not None:
        raise InputError("inputs= and x=, h0=, c0=, target= exclude each other: give the inputs one way")
    if batch_index is not None:
        _require_count("batch_index", batch_index, 0)
    (example,) = _examples(source, given or inputs, prefix, cell, where, max_numbers, batch_first, [batch_index], layer)
    return example


def load_every_sequence(
    source: object,
    *,
    inputs: object = None,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
    max_numbers: int = MAX_NUMBERS,
    batch_first: bool | None = None,
    layer: str | None = None,
) -> list[Example]:
    """load's Example of each sequence of a batch of inputs, in order (one for inputs of one sequence)."""
    return _examples(source, inputs, prefix, cell, where, max_numbers, batch_first, None, layer)


def _examples(
    source: object,
    inputs: object,
    prefix: str | None,
    cell: str | None,
    where: str | None,
    max_numbers: int,
    batch_first: bool | None,
    batch_indices: list[int | None] | None,
    layer: str | None = None,
) -> list[Example]:
    """The examples of ``source`` with the sequences ``batch_indices`` of its inputs (None: every one)."""
    _require_arguments(prefix, cell, where, batch_first, max_numbers)
    network, own_inputs, where = load_network(
        source, prefix=prefix, cell=cell, where=where, max_numbers=max_numbers, layer=layer
    )
    if batch_first is None and is_module(source):
        batch_first = _module_batch_first(source, prefix)
    document, inputs_where = _inputs_document(network, own_inputs, inputs, where, max_numbers)
    with said_of(inputs_where):
        if batch_indices is None:
            shapes = {key: shape_of(document[key], key) for key in _ARRAY_INPUTS if document.get(key) is not None}
            require_budget(shapes, "the inputs", max_numbers)
            # arrays made once, so that each sequence is a view of them rather than a walk through the lists
            document = {**document, **{key: to_array(document[key], key) for key in shapes}}
            size = batch_size(document, batch_first)
            batch_indices = list(range(size)) if size is not None else [None]
        sequences = [
            inputs_from_document(document, network, max_numbers=max_numbers, batch_index=k, batch_first=batch_first)
            for k in batch_indices
        ]
    return [Example(network, sequence, where) for sequence in sequences]


def _require_arguments(prefix: object, cell: object, where: object, batch_first: object, max_numbers: object) -> None:
    """Refuse an argument of load of the wrong type by its name, as a file's mistakes are named."""
    for name, value in (("prefix", prefix), ("cell", cell), ("where", where)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"{name}= is {kind(value)}, expected a string")
    if batch_first is not None and not isinstance(batch_first, bool):
        raise InputError(f"batch_first= is {kind(batch_first)}, expected True or False")
    _require_count("max_numbers", max_numbers, 1)


def _require_count(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        found = kind(value) if isinstance(value, bool) or not isinstance(value, int) else str(value)
        raise InputError(f"{name}= is {found}, expected an integer >= {least}")


def _module_batch_first(module: Any, prefix: str | None) -> bool | None:
    from .torch_io import batch_first

    found = find_module(module.state_dict(), prefix)  # found already by load_network: no error here
    return None if found is None else batch_first(module, found)


def resolve_inputs(
    network: Network,
    own_inputs: Mapping[str, Any] | None,
    inputs: object,
    where: str,
    *,
    max_numbers: int = MAX_NUMBERS,
    batch_index: int | None = None,
    batch_first: bool | None = None,
) -> Inputs:
    """The inputs a network runs on: ``inputs`` when given, else those stored with it (see load_network)."""
    document, inputs_where = _inputs_document(network, own_inputs, inputs, where, max_numbers)
    with said_of(inputs_where):
        return inputs_from_document(
            document, network, max_numbers=max_numbers, batch_index=batch_index, batch_first=batch_first
        )


def _inputs_document(
    network: Network, own_inputs: Mapping[str, Any] | None, inputs: object, where: str, max_numbers: int
) -> tuple[Mapping[str, Any], str]:
    """The inputs document to read (``inputs`` when given, else the source's own) and its name for messages."""
    if inputs is not None:
        document, inputs_where = read_inputs(inputs, max_numbers=max_numbers)
        if network.provenance is not None:  # the initial states an ONNX file stores, unless the inputs give theirs
            document = {**network.provenance.initial_states, **document}
        return document, inputs_where
    if own_inputs is None:
        holder = "a state_dict" if network.provenance is None else f"a {network.provenance.framework} model"
        raise InputError(
            f"{holder} holds no inputs: give them with --inputs FILE (inputs= or x= in Python): JSON"
            f' with "x" of shape (T, {network.input_size}) and optionally "h0" and "c0", a .npy or .npz'
            " file, or a .pt file of a tensor or a dict of them",
            where,
        )
    return own_inputs, where


def load_network(
    source: object,
    *,
    prefix: str | None = None,
    cell: str | None = None,
    where: str | None = None,
    max_numbers: int = MAX_NUMBERS,
    layer: str | None = None,
) -> tuple[Network, Mapping[str, Any] | None, str]:
    """The network of ``source``, the inputs stored beside it (None for a state_dict) and its name for messages."""
    if not (isinstance(source, (str, os.PathLike, bytes, Mapping)) or is_module(source)):
        raise InputError(
            f"the source is {kind(source)}, expected a file's path, its bytes, a dict (the JSON format's,"
            " or a state_dict) or a torch module"
        )
    where = where or _name(source)
    with said_of(where):
        if isinstance(source, Mapping):
            return (*_from_mapping(source, prefix, cell, max_numbers), where)
        if is_module(source):
            return _from_state(source.state_dict(), prefix, cell, max_numbers), None, where
        named_torch = Path(where).suffix.lower() in TORCH_SUFFIXES
        if named_torch:
            from .torch_io import require_torch

            require_torch()  # before the file: without torch, whether it exists does not matter
        data = source if isinstance(source, bytes) else read_file(Path(str(source)), max_numbers)
        model = None if named_torch else model_format(where, data)
        if model is not None:
            return read_model(model, data, where, layer, (prefix, cell), max_numbers), None, where
        if layer is not None:
            raise InputError("--layer picks a layer of a Keras or ONNX file; in a state_dict, --prefix picks a module")
        content = formats.content_kind(data) or (formats.TORCH if named_torch else None)
        if content is None:  # a JSON file is in the format the README gives, and nothing else
            return (*_from_document(read_json(data, max_numbers=max_numbers), prefix, cell, max_numbers), where)
        reader = NETWORK_READERS.get(content)
        if reader is None:
            raise InputError(formats.refusal(content))
        return reader(data, prefix, cell, max_numbers), None, where


def read_inputs(source: object, *, max_numbers: int = MAX_NUMBERS) -> tuple[Mapping[str, Any], str]:
    """An inputs document (x, h0, c0, ... as in the JSON format) and its name for messages: from a
    dict, an array or tensor (x itself), or a file: JSON, .npy (x), .npz or torch's (a tensor, x,
    or a dict of them)."""
    if isinstance(source, Mapping):
        where = "<inputs>"
    elif is_array(source):
        where, source = "<inputs>", {"x": source}
    elif isinstance(source, (str, os.PathLike, bytes)):
        where = _name(source)
    else:
        raise InputError(f"inputs= is {kind(source)}, expected a file's path, a dict, or x as an array or tensor")
    with said_of(where):
        if isinstance(source, Mapping):
            document = source
        else:
            data = source if isinstance(source, bytes) else read_file(Path(str(source)), max_numbers)
            document = _inputs_file(data, max_numbers)
        require_string_keys(document, "the inputs")
        unknown = sorted(set(document) - set(INPUT_KEYS))
        if unknown:
            raise InputError(f"unknown key {quote(unknown[0])} (an inputs file holds {', '.join(INPUT_KEYS)})")
    return document, where


def _inputs_file(data: bytes, max_numbers: int) -> Mapping[str, Any]:
    """The inputs document of a file's ``data``, whatever its kind."""
    content = formats.content_kind(data)
    if content is None:
        return read_json(data, 'a JSON object with "x" (and optionally "h0", "c0")', max_numbers)
    if content == formats.NPY:
        return {"x": formats.read_npy(data, max_numbers)}
    if content == formats.NPZ:
        return formats.read_npz(data, max_numbers)
    if content != formats.TORCH:
        raise InputError(f"{content}: inputs are read from JSON, .npy, .npz or torch files")
    from . import torch_io

    loaded = torch_io.read(data)
    if is_array(loaded):
        return {"x": loaded}
    if not isinstance(loaded, Mapping):
        raise InputError(f"holds {kind(loaded)}, expected a tensor (x) or a dict of them (x, h0, c0, target)")
    return loaded


def _name(source: object) -> str:
    if isinstance(source, Mapping):
        return "<dict>"
    if is_module(source):
        return f"<{type(source).__name__}>"
    return "<bytes>" if isinstance(source, bytes) else one_line(str(source))


@contextmanager
def said_of(source: str) -> Iterator[None]:
    """An InputError raised inside is said of ``source``: the one place a file's name joins its message."""
    try:
        yield
    except InputError as error:
        raise error.within(source) from None


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


def read_bounded(path: str, limit: int, kind: str = "") -> bytes:
    """All of a regular file at ``path``, refused (InputError naming it) once it holds more than
    ``limit`` bytes: before reading when its size says so, or as it grows; ``kind`` (such as "a file
    of names") names what is at most that long in the message."""
    at_most = f"{kind} is at most {limit}" if kind else f"at most {limit}"
    try:
        with open_regular(Path(path)) as (stream, size):
            if size > limit:
                raise InputError(f"the file is {size} bytes: {at_most}")
            data = stream.read(limit + 1)
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror})", path) from None
    except InputError as error:
        raise error.within(path) from None
    if len(data) > limit:  # it grew while being read
        raise InputError(f"more than {limit} bytes" + (f": {at_most}" if kind else ""), path)
    return data


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


def _from_mapping(
    mapping: Mapping[Any, Any], prefix: str | None, cell: str | None, max_numbers: int
) -> tuple[Network, Mapping[str, Any] | None]:
    """A document in the JSON format and its inputs; or a state_dict (or a checkpoint holding one), without."""
    require_string_keys(mapping, "the document")
    if set(mapping) & {"cell", *INPUT_KEYS} or set(mapping) <= set(DOCUMENT_KEYS):  # the format's own keys
        return _from_document(mapping, prefix, cell, max_numbers)
    if module_prefixes(mapping) or any(isinstance(mapping.get(key), Mapping) for key in CHECKPOINT_KEYS):
        return _from_state(mapping, prefix, cell, max_numbers), None
    return _from_document(mapping, prefix, cell, max_numbers)  # which names the keys it does not know


def _from_document(
    document: Mapping[str, Any], prefix: str | None, cell: str | None, max_numbers: int
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
    state, prefix, path = unwrap_checkpoint(document, prefix)
    network = _network(select_module(state, prefix, path), cell_name, max_numbers)
    return network, {key: document[key] for key in INPUT_KEYS if key in document}


def _from_state(loaded: Any, prefix: str | None, cell: str | None, max_numbers: int) -> Network:
    """The network in a state_dict, or in a checkpoint (any dict) holding one, as torch gives them."""
    state, prefix, path = unwrap_checkpoint(loaded, prefix)
    return _network(select_module(state, prefix, path), cell, max_numbers)


def _network(state: Mapping[str, Any], cell: Any, max_numbers: int) -> Network:
    """network_from_state_dict on a module's state_dict once its numbers are counted (tensors and
    arrays by their shapes, nothing converted yet) and found within ``max_numbers``."""
    counted = {key: value for key, value in state.items() if is_array(value) or isinstance(value, list)}
    require_budget(
        {f"state_dict.{key}": shape_of(value, f"state_dict.{key}") for key, value in counted.items()},
        "the state_dict",
        max_numbers,
    )
    arrays = {key: to_array(value, f"state_dict.{key}") if is_array(value) else value for key, value in state.items()}
    network = network_from_state_dict(arrays, cell or infer_cell(arrays))
    dtypes = {dtype_name(value) for value in state.values()} - {None, "float64"}
    return dataclasses.replace(network, dtype=", ".join(sorted(str(d) for d in dtypes)) or None)


def _from_torch_file(data: bytes, prefix: str | None, cell: str | None, max_numbers: int) -> Network:
    from . import torch_io  # torch is loaded for torch files only

    return _from_state(torch_io.read(data), prefix, cell, max_numbers)


def _from_safetensors(data: bytes, prefix: str | None, cell: str | None, max_numbers: int) -> Network:
    return _from_state(formats.read_safetensors(data, max_numbers), prefix, cell, max_numbers)


# The readers of binary files, by the kind formats.content_kind names; a kind without one is refused
# by name (formats.refusal). A reader of another framework's files (Keras, ONNX) joins here.
NETWORK_READERS: dict[str, NetworkReader] = {
    formats.TORCH: _from_torch_file,
    formats.SAFETENSORS: _from_safetensors,
}


def inputs_from_document(
    document: Mapping[str, Any],
    network: Network,
    *,
    max_numbers: int = MAX_NUMBERS,
    batch_index: int | None = None,
    batch_first: bool | None = None,
) -> Inputs:
    """x, h0 and c0 for ``network``, and what the backward pass differentiates: x is required, the
    initial states default to zeros, and without target or grad_output there is no backward pass.
    A batch is cut to its sequence ``batch_index`` first (see load)."""
    if "x" not in document:
        raise InputError(f"missing key 'x' (the input sequence, shape (T, {network.input_size}))")
    shapes = {key: shape_of(document[key], key) for key in _ARRAY_INPUTS if document.get(key) is not None}
    require_budget(shapes, "the inputs", max_numbers)
    document, batch = _one_sequence(document, shapes, batch_index, batch_first)
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
    loss = _loss(document, (x.shape[0], network.num_directions * network.output_size))
    return Inputs(x=x, h0=h0, c0=c0, loss=loss, batch=batch)


def batch_size(document: Mapping[str, Any], batch_first: bool | None = None) -> int | None:
    """How many sequences an inputs document's x holds: None when it is one sequence, (T, I)."""
    shape = shape_of(document["x"], "x") if "x" in document else ()
    return shape[0 if batch_first is not False else 1] if len(shape) == 3 else None


def _one_sequence(
    document: Mapping[str, Any],
    shapes: Mapping[str, tuple[int, ...]],
    batch_index: int | None,
    batch_first: bool | None,
) -> tuple[Mapping[str, Any], Batch | None]:
    """The document of one sequence of a batched one: x (B, T, I), or (T, B, I) unless batch_first,
    cut at ``batch_index`` (0 for a batch of one); so are target and grad_output, shaped as the
    output, and h0 and c0 when they hold a batch, (L·D, B, H) in torch's layout."""
    if len(shapes.get("x", ())) != 3:  # one sequence (or a null x, which to_array refuses)
        if batch_index is not None:
            raise InputError(f"--batch-index {batch_index} given, but x is one sequence, of shape (T, I)")
        return document, None
    first = batch_first is not False
    axis = 0 if first else 1
    size = shapes["x"][axis]
    layout = "(B, T, I)" if first else "(T, B, I)"
    if batch_index is None and size != 1:
        other = "--time-major if it is (T, B, I)" if first else "--batch-first if it is (B, T, I)"
        raise InputError(
            f"x has shape {shape_text(shapes['x'])}, a batch of {size} sequences read as {layout} ({other}):"
            f" choose one with --batch-index 0 to {size - 1} (batch_index= in Python), or trace them all with"
            " trace --all-batch"
        )
    index = batch_index or 0
    if index >= size:
        raise InputError(f"--batch-index {index}, but x holds a batch of {size}: choose 0 to {size - 1}")
    chosen = dict(document)
    for key, shape in shapes.items():
        if len(shape) != 3:
            continue
        key_axis = 1 if key in ("h0", "c0") else axis
        if shape[key_axis] != size:
            raise InputError(
                f"{key} has shape {shape_text(shape)}, a batch of {shape[key_axis]}; x's is of {size}"
                f" ({'(L·D, B, H), as torch has it' if key in ('h0', 'c0') else layout})"
            )
        value = document[key]
        if isinstance(value, list):
            chosen[key] = value[index] if key_axis == 0 else [row[index] for row in value]
        else:
            chosen[key] = value[index] if key_axis == 0 else value[:, index]
    return chosen, Batch(index, size, first)


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
    if isinstance(value, int) and abs(value) > sys.float_info.max:  # float() of it would overflow
        raise InputError("lr is an integer beyond float64's range (1.8e308), expected a positive finite number")
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
