"""State_dicts -> a Network: which module, which cell type, and every key and shape checked.

torch's names are kept throughout: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k},
weight_hr_l{k} (a projection), each with _reverse for a second direction; nn.LSTMCell and its kin
drop the layer suffix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .cells import CELLS
from .errors import InputError
from .model import Array, DirectionParams, Network
from .values import kind, quote, require_ndim, shape_text, to_array

PROJECTING_CELLS = ("lstm",)  # torch.nn.LSTM's proj_size; no other torch recurrent layer has one
CHECKPOINT_KEYS = ("state_dict", "model_state_dict")  # where training checkpoints keep the model's state_dict
_CELL_MODULE_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # nn.LSTMCell, nn.GRUCell, ...
_MODULE_FIRST_KEYS = ("weight_ih_l0", "weight_ih")  # a recurrent module's first parameter, layer or cell


def unwrap_checkpoint(loaded: Any, prefix: str | None = None) -> tuple[Mapping[str, Any], str | None, str]:
    """The state_dict in what was loaded, what is left of ``prefix`` inside it, and the path to it.

    One rule: ``prefix`` is the path from the top of what was loaded to the module, whatever holds
    it: ``model_state_dict.encoder.lstm`` goes down into a checkpoint's ``model_state_dict`` (any
    key that holds a dict is gone into so). Without such a path, a checkpoint's one ``state_dict``
    (or ``model_state_dict``) entry is gone into by itself, and the prefix is the module's inside it.
    """
    path: list[str] = []
    outer: list[int] = []  # the dicts gone through: a pickle can make a dict that holds itself
    while True:
        if not isinstance(loaded, Mapping):
            raise InputError(
                f"holds {kind(loaded)}, not a state_dict (a dict of parameter names to tensors):"
                " save model.state_dict()"
            )
        require_string_keys(loaded, ".".join(path) or "the state_dict")
        named = [key for key in loaded if _leads(prefix, key) and isinstance(loaded[key], Mapping)]
        if named:
            key = max(named, key=len)
            prefix = (prefix or "")[len(key) + 1 :] or None
        else:
            keys = [key for key in CHECKPOINT_KEYS if isinstance(loaded.get(key), Mapping)]
            if not keys:
                break
            if len(keys) > 1 and loaded[keys[0]] is not loaded[keys[1]]:
                raise InputError(
                    f"the checkpoint holds two state_dicts, {keys[0]!r} and {keys[1]!r}: choose one with"
                    f" --prefix {keys[0]} or --prefix {keys[1]} (then a module's prefix, if any:"
                    f" --prefix {keys[1]}.encoder.lstm)"
                )
            key = keys[0]
        outer.append(id(loaded))
        path.append(key)
        loaded = loaded[key]
        if id(loaded) in outer:
            raise InputError(f"the checkpoint's {key!r} holds the checkpoint itself, not a state_dict")
    return loaded, prefix, ".".join(path)


def require_string_keys(mapping: Mapping[Any, Any], what: str) -> None:
    """Refuse a dict whose keys are not all strings (a file's are; a dict made in Python may not be)."""
    for key in mapping:
        if not isinstance(key, str):
            raise InputError(f"{what} has a key that is not a string ({kind(key)}): its keys are names")


def module_prefixes(state: Mapping[str, Any]) -> list[str]:
    """The prefixes of the recurrent modules in a model's state_dict: "encoder.lstm", or "" at the top."""
    found = set()
    for key in state:
        for first in _MODULE_FIRST_KEYS:
            if key == first or key.endswith("." + first):
                found.add(key.removesuffix(first).removesuffix("."))
    return sorted(found)


def find_module(state: Mapping[str, Any], prefix: str | None, path: str = "") -> str | None:
    """The prefix of the one recurrent module ``prefix`` names (or the only one there is), "" for
    the top level; None when there is none to find (network_from_state_dict then says what is
    missing). ``path`` leads to ``state`` from the file's top (see unwrap_checkpoint), for messages."""
    found = module_prefixes(state)
    names = ", ".join(_joined(path, p) or "'' (the top level)" for p in found)
    if prefix is None:
        if len(found) > 1:
            raise InputError(f"{len(found)} recurrent modules in the state_dict: choose one with --prefix: {names}")
        return found[0] if found else None
    prefix = prefix.removesuffix(".")
    if prefix not in found:
        found_text = f"found: {names}" if found else "no key ends in weight_ih_l0 or weight_ih"
        raise InputError(f"no recurrent module at --prefix {quote(_joined(path, prefix))} ({found_text})")
    return prefix


def select_module(state: Mapping[str, Any], prefix: str | None, path: str = "") -> Mapping[str, Any]:
    """The keys of one recurrent module (see find_module), named as inside it."""
    found = find_module(state, prefix, path)
    if not found:
        return state
    start = found + "."
    return {key.removeprefix(start): value for key, value in state.items() if key.startswith(start)}


def _leads(prefix: str | None, key: str) -> bool:
    """Whether ``prefix`` goes down through ``key``."""
    return prefix is not None and (prefix == key or prefix.startswith(key + "."))


def _joined(path: str, prefix: str) -> str:
    return ".".join(part for part in (path, prefix) if part)


def infer_cell(state: Mapping[str, Any]) -> str:
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
            f"the shapes fit {' and '.join(fits)} alike (a state_dict does not record which): choose with --cell"
        )
    return fits[0] if fits else "lstm"


def network_from_state_dict(state: Mapping[str, Any], cell_name: Any) -> Network:
    """Infer a torch recurrent layer from its state_dict's keys and shapes, checking all of them."""
    if not isinstance(cell_name, str):
        raise InputError(f"cell must be a string (one of {', '.join(CELLS)}), found {kind(cell_name)}")
    if cell_name not in CELLS:
        raise InputError(f"unknown cell {quote(cell_name)} (expected one of {', '.join(CELLS)})")
    gate_count = len(CELLS[cell_name].gates)
    cell_module = "weight_ih" in state and not any(key.startswith("weight_ih_l") for key in state)
    state = _layer_names(state)
    if "weight_ih_l0" not in state:
        raise InputError("state_dict: missing key 'weight_ih_l0'")
    num_layers = 1
    while f"weight_ih_l{num_layers}" in state:
        num_layers += 1
    bidirectional = "weight_ih_l0_reverse" in state
    bias = "bias_ih_l0" in state or "bias_hh_l0" in state
    projected = "weight_hr_l0" in state
    if projected and cell_name not in PROJECTING_CELLS:
        raise InputError(
            "state_dict: unexpected key 'weight_hr_l0' (a projection, which only an LSTM has; this is a"
            f" {CELLS[cell_name].title})"
        )
    suffixes = [
        f"_l{layer}{reverse}" for layer in range(num_layers) for reverse in ["", "_reverse"][: 1 + bidirectional]
    ]
    names = ["weight_ih", "weight_hh"] + ["bias_ih", "bias_hh"] * bias + ["weight_hr"] * projected
    expected = [name + suffix for suffix in suffixes for name in names]
    missing = [key for key in expected if key not in state]
    if missing:
        raise InputError(f"state_dict: missing key {missing[0]!r}{_missing_hint(missing[0], state)}")
    unknown = sorted(set(state) - set(expected))
    if unknown:
        raise InputError(f"state_dict: unexpected key {quote(unknown[0])} ({_gap_hint(unknown[0], num_layers)})")

    arrays = {key: to_array(state[key], f"state_dict.{key}") for key in expected}
    first = arrays["weight_ih_l0"]
    require_ndim(first, 2, "state_dict.weight_ih_l0")
    rows, input_size = first.shape
    if rows == 0 or rows % gate_count:
        raise InputError(
            f"state_dict.weight_ih_l0 has {rows} rows; a {cell_name} needs {gate_count}·hidden_size"
            f" rows{_cell_hint(cell_name, arrays)}"
        )
    if input_size == 0:
        raise InputError(f"state_dict.weight_ih_l0 has shape {shape_text(first.shape)}: input_size must be >= 1")
    hidden_size = rows // gate_count
    output_size = hidden_size
    if projected:
        output_size = arrays["weight_hr_l0"].shape[0]
        if not 0 < output_size < hidden_size:
            raise InputError(
                f"state_dict.weight_hr_l0 has {output_size} rows: proj_size must be"
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
                    f"state_dict.{name}{suffix} has shape {shape_text(actual)}, expected {shape_text(shape)}"
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
        cell_module=cell_module,
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
    if ih.ndim != 2 or hh.ndim != 2 or ih.shape[0] == 0:  # no rows fit every cell
        return ""
    for name, cell in CELLS.items():
        gate_count = len(cell.gates)
        if name != cell_name and ih.shape[0] % gate_count == 0 and hh.shape == (ih.shape[0], ih.shape[0] // gate_count):
            return f'; the shapes fit a {cell.title}: set "cell": "{name}"'
    return ""
