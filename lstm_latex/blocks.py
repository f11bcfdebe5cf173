"""What the Keras and ONNX readers share: choosing a layer, and putting the gate blocks of another
framework's arrays together in torch's layout, each block's origin recorded.

A reader cuts its arrays into one block per gate (a ``Block``: the values in torch's orientation and
where they came from); ``assemble`` stacks them in torch's gate order under torch's names, checks the
result as any state_dict is checked, and keeps the origins, which the document and the trace print.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .cells import CELLS
from .errors import InputError
from .model import Array, Network, Origin, Provenance
from .state_dicts import network_from_state_dict
from .values import quote

PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_SYMBOLS = {"weight_ih": "W_i", "weight_hh": "W_h", "bias_ih": "b_i", "bias_hh": "b_h"}


def choose(names: Sequence[str], layer: str | None, what: str) -> str:
    """``layer``, or the only recurrent layer (node) there is; an error lists them when it is not clear."""
    listed = ", ".join(quote(name) for name in names)
    if layer is not None:
        if layer not in names:
            found = f"found: {listed}" if names else "the file has none"
            raise InputError(f"no recurrent {what} named {quote(layer)} ({found})")
        return layer
    if not names:
        raise InputError(f"no recurrent {what} (LSTM, GRU or simple RNN) in the file")
    if len(names) > 1:
        raise InputError(f"{len(names)} recurrent {what}s in the file: choose one with --layer: {listed}")
    return names[0]


@dataclass(frozen=True)
class Block:
    """One gate's block of one torch parameter, cut out of a file's array."""

    values: Array  # in torch's orientation: (H, I) or (H, H) for a weight, (H,) for a bias
    array: str  # the file's array: "W", "layers/lstm/cell/vars/0"; "" for a bias the file does not have
    index: str  # where in that array: "[0, 0:4, :]", "[:, 0:4].T"; or why it is zero


def zero_bias(size: int, why: str) -> Block:
    return Block(np.zeros(size), "", why)


def columns(array: Array, name: str, start: int, stop: int) -> Block:
    """Columns ``start:stop`` of a (inputs, G·units) Keras kernel, turned to torch's (units, inputs) rows."""
    return Block(array[:, start:stop].T, name, f"[:, {start}:{stop}].T")


def assemble(
    cell: str,
    directions: Sequence[Mapping[str, Mapping[str, Block]]],
    provenance: Provenance,
) -> Network:
    """A one-layer network of ``cell`` from each direction's blocks (forward, then reverse), given as
    {parameter: {torch's gate letter: block}}, and where they came from; bias_ih and bias_hh may be
    left out together (no bias)."""
    state: dict[str, Array] = {}
    origins: list[Origin] = []
    gates = CELLS[cell].gate_names
    for reverse, blocks in enumerate(directions):
        for parameter in PARAMETERS:
            if parameter not in blocks:
                continue
            key = f"{parameter}_l0" + ("_reverse" if reverse else "")
            row = 0
            for gate in gates:
                block = blocks[parameter][gate]
                size = block.values.shape[0]
                symbol = _SYMBOLS[parameter] + gate
                origins.append(Origin(key, (row, row + size), symbol, block.array, block.index))
                row += size
            state[key] = np.concatenate([blocks[parameter][gate].values for gate in gates]).astype(np.float64)
    network = network_from_state_dict(state, cell)
    return dataclasses.replace(network, provenance=dataclasses.replace(provenance, origins=tuple(origins)))
