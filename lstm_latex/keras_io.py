"""Keras files -> a Network in torch's layout: .keras archives, whole-model .h5 files (Keras 2 or 3)
and .weights.h5 files, read with h5py and the standard library (Keras itself only for the check).

Keras keeps a layer's weights as kernel (I, G·units), recurrent_kernel (units, G·units) and bias,
the gates side by side in columns: LSTM i|f|c|o with one bias (G·units,), GRU z|r|h with a bias of
(2, 3·units) when reset_after (input bias over recurrent bias), SimpleRNN one block. torch stacks
the same blocks as rows, LSTM i|f|g|o and GRU r|z|n, with two biases: a Keras LSTM's or SimpleRNN's
bias is torch's bias_ih, and bias_hh is zero.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .blocks import Block, assemble, choose, columns, zero_bias
from .errors import InputError
from .json_text import BYTES_PER_NUMBER, read_json
from .model import Array, Inputs, Network, Provenance
from .values import quote, quote_any, require_budget, shape_text, to_array

if TYPE_CHECKING:
    import h5py

ARCHIVE_MEMBERS = ("config.json", "model.weights.h5")  # what makes a zip a Keras 3 archive
# torch's gate letter -> the gate's place among Keras's column blocks (LSTM i|f|c|o, GRU z|r|h)
KERAS_GATES = {"LSTM": {"i": 0, "f": 1, "g": 2, "o": 3}, "GRU": {"r": 1, "z": 0, "n": 2}, "SimpleRNN": {"h": 0}}
_CELL_GROUPS = {"lstm_cell": "LSTM", "gru_cell": "GRU", "simple_rnn_cell": "SimpleRNN"}
_LEGACY_CELL = re.compile(r"^(lstm|gru|simple_rnn)_cell(_\d+)?$")  # Keras 2 numbers a second cell lstm_cell_1
_ROLES = ("kernel", "recurrent_kernel", "bias")
MAX_GROUPS = 10_000  # the groups a weights file's tree is walked through: a hard link can make it a cycle


@dataclass(frozen=True)
class KerasLayer:
    """One recurrent layer's weights as the file holds them."""

    name: str
    kind: str  # "LSTM", "GRU" or "SimpleRNN"
    directions: tuple[dict[str, h5py.Dataset], ...]  # forward (and backward): kernel, recurrent_kernel, bias


@dataclass(frozen=True)
class KerasNative:
    """What Keras needs to rebuild the layer for the check."""

    kind: str
    config: Mapping[str, Any] | None  # the layer's configuration, None for a weights-only file
    bidirectional: bool
    weights: tuple[Array, ...]  # as Keras orders them: forward's kernel, recurrent_kernel, bias, then backward's


def is_keras_archive(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(ARCHIVE_MEMBERS) <= set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def read(data: bytes, where: str, layer: str | None, max_numbers: int) -> Network:
    """The recurrent layer ``layer`` (or the only one) of a Keras file's bytes, as a Network."""
    import h5py

    config: Mapping[str, Any] | None = None
    if data.startswith(b"PK"):
        config_text, data = _archive(data, BYTES_PER_NUMBER * max_numbers)
        config = read_json(config_text, "a Keras model's configuration (config.json)", max_numbers)
    try:
        weights = h5py.File(io.BytesIO(data), "r")
    except OSError:
        raise InputError("not a readable HDF5 file (truncated or damaged)") from None
    with weights:
        if config is None and "model_config" in weights.attrs:
            config = read_json(_text(weights.attrs["model_config"]), "a Keras model configuration", max_numbers)
        layers = {found.name: found for found in _layers(weights)}
        name = choose(list(layers), layer, "layer")
        return _network(layers[name], _layer_config(config, name), where, max_numbers)


def _archive(data: bytes, limit: int) -> tuple[bytes, bytes]:
    """config.json and model.weights.h5 of a .keras archive, each refused beyond ``limit`` bytes
    before it is inflated, and again while inflating (a member's declared size may lie)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            missing = [member for member in ARCHIVE_MEMBERS if member not in names]
            if missing:
                raise InputError(
                    f"a zip archive without {missing[0]}: not a Keras archive (.keras holds config.json"
                    " and model.weights.h5), nor torch's"
                )
            members = []
            for member in ARCHIVE_MEMBERS:
                declared = archive.getinfo(member).file_size
                if declared > limit:
                    raise InputError(f"{member} declares {declared} bytes, beyond the limit of {limit}: {_RAISE}")
                with archive.open(member) as stream:
                    content = stream.read(limit + 1)
                if len(content) > limit:
                    raise InputError(f"{member} inflates beyond the limit of {limit} bytes: {_RAISE}")
                members.append(content)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise InputError(f"not a readable zip archive ({error})") from None
    return members[0], members[1]


_RAISE = "pass a larger --max-numbers (max_numbers= in Python) to read it anyway"


def _text(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _layers(weights: h5py.File) -> Iterator[KerasLayer]:
    """The recurrent layers of a weights file, in either of Keras's layouts."""
    if "model_weights" in weights or "layer_names" in weights.attrs:  # Keras 2's, and Keras 3's legacy .h5
        yield from _legacy_layers(weights.get("model_weights", weights))
    else:
        yield from _layers_of(weights, [0])


def _layers_of(group: h5py.Group, visited: list[int]) -> Iterator[KerasLayer]:
    """Keras 3's layout: layers/<layer>/cell/vars/0, 1, 2, a Bidirectional's under forward_layer and
    backward_layer, a nested model's layers below its own; a layer's own name in its vars' attributes."""
    import h5py

    for key in group:
        child = group[key]
        if not isinstance(child, h5py.Group):
            continue
        visited[0] += 1
        if visited[0] > MAX_GROUPS:
            raise InputError(f"the weights file has more than {MAX_GROUPS} groups: not a Keras model's")
        name = _text(child["vars"].attrs.get("name", key.encode())).decode() if "vars" in child else key
        if "forward_layer" in child and "backward_layer" in child:
            forward, backward = (_cell_vars(child[side]) for side in ("forward_layer", "backward_layer"))
            if forward is not None and backward is not None:
                yield KerasLayer(name, forward[0], (forward[1], backward[1]))
                continue
        found = _cell_vars(child)
        if found is not None:
            yield KerasLayer(name, found[0], (found[1],))
        else:
            yield from _layers_of(child, visited)


def _cell_vars(group: h5py.Group) -> tuple[str, dict[str, h5py.Dataset]] | None:
    import h5py

    cell = group.get("cell")
    if not isinstance(cell, h5py.Group) or not isinstance(cell.get("vars"), h5py.Group):
        return None
    kind = _CELL_GROUPS.get(_text(cell["vars"].attrs.get("name", b"")).decode())
    if kind is None:
        return None
    datasets = cell["vars"]
    return kind, {role: datasets[str(k)] for k, role in enumerate(_ROLES) if str(k) in datasets}


def _legacy_layers(weights: h5py.Group) -> Iterator[KerasLayer]:
    """Keras 2's layout, which Keras 3 writes for .h5: a group a layer, its weight_names attribute
    listing paths such as bi/forward_gru/gru_cell/kernel:0 inside it."""
    found: dict[str, dict[str, Any]] = {}
    for group_name in weights.attrs.get("layer_names", []):
        group = weights.get(_text(group_name).decode())
        if group is None:
            continue
        for weight_name in group.attrs.get("weight_names", []):
            path = _text(weight_name).decode()
            parts = path.removesuffix(":0").split("/")
            cells = [k for k, part in enumerate(parts) if _LEGACY_CELL.match(part)]
            if not cells or cells[-1] == 0 or path not in group:
                continue
            k = cells[-1]
            side = 1 if parts[k - 1].startswith("backward_") else 0
            bidirectional = parts[k - 1].startswith(("forward_", "backward_")) and k >= 2
            name = parts[k - 2] if bidirectional else parts[k - 1]
            kind = _CELL_GROUPS[re.sub(r"_\d+$", "", parts[k])]
            entry = found.setdefault(name, {"kind": kind, "sides": [{}, {}]})
            entry["sides"][side][parts[-1]] = group[path]
    for name, entry in found.items():
        yield KerasLayer(name, entry["kind"], tuple(side for side in entry["sides"] if side))


def _layer_config(config: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    """The configuration of the layer ``name`` (its class_name and config), wherever the model nests it."""
    if config is None:
        return None
    pending: list[Any] = [config]
    while pending:
        item = pending.pop()
        if isinstance(item, Mapping):
            inner = item.get("config")
            if isinstance(item.get("class_name"), str) and isinstance(inner, Mapping) and inner.get("name") == name:
                return item
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    raise InputError(f"the model's configuration has no layer named {quote(name)}, whose weights the file holds")


def _network(found: KerasLayer, config: Mapping[str, Any] | None, where: str, max_numbers: int) -> Network:
    kind, cell, notes = _settings(found, config)
    bidirectional = len(found.directions) == 2
    shapes = {dataset.name: tuple(dataset.shape) for side in found.directions for dataset in side.values()}
    require_budget(shapes, f"layer {quote(found.name)}", max_numbers)
    sides = [{role: _array(dataset) for role, dataset in side.items()} for side in found.directions]
    names = [{role: str(dataset.name) for role, dataset in side.items()} for side in found.directions]
    blocks = [_blocks(kind, arrays, paths) for arrays, paths in zip(sides, names, strict=True)]
    if kind != "GRU" and "bias" in sides[0]:
        notes.append("Keras adds one bias a gate: it is torch's b_i, and b_h is zero.")
    title = f"Bidirectional({kind})" if bidirectional else kind
    inner = None if config is None else (config["config"]["layer"] if bidirectional else config)
    native = KerasNative(kind, inner, bidirectional, tuple(a for side in sides for a in side.values()))
    provenance = Provenance(where, "Keras", found.name, title, (), tuple(notes), native=native)
    return assemble(cell, blocks, provenance)


def _array(dataset: h5py.Dataset) -> Array:
    if dataset.is_virtual or dataset.external:
        raise InputError(f"{dataset.name} keeps its data in another file, which is not read")
    if dataset.dtype.kind != "f":
        raise InputError(f"{dataset.name} has dtype {dataset.dtype}, expected floating-point numbers")
    return to_array(np.asarray(dataset[()]), str(dataset.name))


def _settings(found: KerasLayer, config: Mapping[str, Any] | None) -> tuple[str, str, list[str]]:
    """The layer's kind, the cell it is in torch, and notes; a setting torch has no equivalent for refused by name."""
    kind = found.kind
    subject = f"{kind} layer {quote(found.name)}"
    if config is None:
        cell = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn_tanh"}[kind]
        bias = found.directions[0].get("bias")
        if kind == "GRU" and bias is not None and bias.ndim == 1:
            raise InputError(f"{subject} has a bias of one row: reset_after=False, {_RESET_AFTER}")
        note = "The file holds weights only, no configuration: Keras's default activations are assumed"
        return kind, cell, [note + (" (tanh; a ReLU SimpleRNN reads wrongly)." if kind == "SimpleRNN" else ").")]
    settings: Mapping[str, Any] = config.get("config", {})
    if config.get("class_name") == "Bidirectional":
        merge = settings.get("merge_mode", "concat")
        if merge != "concat":
            raise InputError(
                f"Bidirectional layer {quote(found.name)} has merge_mode={quote_any(merge)}: torch concatenates"
                " the two directions (merge_mode='concat'), and only that is read"
            )
        inner = settings.get("layer", {})
        if inner.get("class_name") != kind:
            raise InputError(f"Bidirectional layer {quote(found.name)} wraps {quote_any(inner.get('class_name'))}")
        settings = inner.get("config", {})
    elif config.get("class_name") != kind:
        raise InputError(f"layer {quote(found.name)} is a {quote_any(config.get('class_name'))}, with {kind} weights")
    if settings.get("go_backwards"):
        raise InputError(
            f"{subject} has go_backwards=True: torch has no layer that runs backwards alone"
            " (a Bidirectional layer is read)"
        )
    activation = settings.get("activation", "tanh")
    if kind == "SimpleRNN":
        if activation not in ("tanh", "relu"):
            raise InputError(f"{subject} has activation={quote_any(activation)}: torch's RNN has tanh or relu")
        return kind, f"rnn_{activation}", []
    if activation != "tanh":
        raise InputError(f"{subject} has activation={quote_any(activation)}: torch's {kind} has tanh")
    recurrent = settings.get("recurrent_activation", "sigmoid")
    if recurrent != "sigmoid":
        raise InputError(f"{subject} has recurrent_activation={quote_any(recurrent)}: torch's {kind} has sigmoid gates")
    if kind == "GRU" and not settings.get("reset_after", True):
        raise InputError(f"{subject} has reset_after=False, {_RESET_AFTER}")
    return kind, kind.lower(), []


_RESET_AFTER = (
    "which applies r_t before the recurrent product (r_t ⊙ h_{t-1}), where torch's GRU applies it after"
    " (r_t ⊙ (W_hn h_{t-1} + b_hn), reset_after=True): not read"
)


def _blocks(kind: str, arrays: Mapping[str, Array], paths: Mapping[str, str]) -> dict[str, dict[str, Block]]:
    """One direction's gate blocks in torch's orientation, from its kernel, recurrent_kernel and bias."""
    for role in ("kernel", "recurrent_kernel"):
        if role not in arrays:
            raise InputError(f"{kind} weights without a {role}")
    kernel, recurrent = arrays["kernel"], arrays["recurrent_kernel"]
    gates = KERAS_GATES[kind]
    units = recurrent.shape[0] if recurrent.ndim == 2 else 0
    expected: dict[str, tuple[int, ...]] = {"kernel": (kernel.shape[0] if kernel.ndim == 2 else 0, len(gates) * units)}
    expected["recurrent_kernel"] = (units, len(gates) * units)
    bias = arrays.get("bias")
    if bias is not None:
        expected["bias"] = (2, len(gates) * units) if kind == "GRU" and bias.ndim == 2 else (len(gates) * units,)
    for role, shape in expected.items():
        if arrays[role].shape != shape or units == 0:
            raise InputError(
                f"{paths[role]} has shape {shape_text(arrays[role].shape)}, expected {shape_text(shape)}"
                f" for a {kind} of {units} units ({len(gates)} gates)"
            )
    if kind == "GRU" and bias is not None and bias.ndim == 1:
        raise InputError(f"{paths['bias']} is one row: a GRU with reset_after=False, {_RESET_AFTER}")
    spans = {gate: (k * units, (k + 1) * units) for gate, k in gates.items()}
    blocks = {
        "weight_ih": {gate: columns(kernel, paths["kernel"], *span) for gate, span in spans.items()},
        "weight_hh": {gate: columns(recurrent, paths["recurrent_kernel"], *span) for gate, span in spans.items()},
    }
    if bias is None:
        return blocks
    if bias.ndim == 2:  # a GRU's input bias over its recurrent bias
        blocks["bias_ih"] = {g: Block(bias[0, a:b], paths["bias"], f"[0, {a}:{b}]") for g, (a, b) in spans.items()}
        blocks["bias_hh"] = {g: Block(bias[1, a:b], paths["bias"], f"[1, {a}:{b}]") for g, (a, b) in spans.items()}
    else:
        blocks["bias_ih"] = {g: Block(bias[a:b], paths["bias"], f"[{a}:{b}]") for g, (a, b) in spans.items()}
        blocks["bias_hh"] = {g: zero_bias(units, "zero: Keras has one bias") for g in spans}
    return blocks


def run(native: KerasNative, inputs: Inputs) -> tuple[str, dict[str, Array]]:
    """Keras's own output, h_n (and c_n) of the layer on ``inputs``, in float32; and Keras's version."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras's default backend is TensorFlow
    import keras

    settings = dict(native.config["config"]) if native.config is not None else {}
    units = native.weights[1].shape[0]
    settings |= {"units": units, "return_sequences": True, "return_state": True, "go_backwards": False}
    settings |= {"use_bias": len(native.weights) % 3 == 0, "dtype": "float32", "name": "layer"}
    layer = keras.layers.deserialize({"class_name": native.kind, "config": settings, "module": "keras.layers"})
    if native.bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode="concat")
    x = inputs.x[np.newaxis].astype(np.float32)  # (1, T, I)
    states = [inputs.h0] if inputs.c0 is None else [inputs.h0, inputs.c0]  # (D, H) each
    initial = [s[d : d + 1].astype(np.float32) for d in range(len(inputs.h0)) for s in states]
    layer.build(x.shape)
    layer.set_weights([w.astype(np.float32) for w in native.weights])
    results = [keras.ops.convert_to_numpy(r) for r in layer(x, initial_state=initial)]
    per_side = len(states)
    finals = results[1:]
    found = {"output": results[0][0], "h_n": np.concatenate([finals[d * per_side] for d in range(len(inputs.h0))])}
    if inputs.c0 is not None:
        found["c_n"] = np.concatenate([finals[d * per_side + 1] for d in range(len(inputs.h0))])
    return f"Keras {keras.__version__} ({keras.backend.backend()} backend)", found
