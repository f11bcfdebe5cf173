"""Networks made up for the tests, in the JSON format: random weights of any size, a sample with a target."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from conftest import SAMPLES

import lstm_latex


def random_lstm(
    input_size: int, hidden_size: int, steps: int = 2, *, seed: int = 0, negative: bool = False, **shape: Any
) -> dict[str, Any]:
    """A document for lstm_latex.load: U(-1, 1) weights (all of them negative, the widest to
    print, with ``negative``); ``shape`` may set num_layers and bidirectional."""
    rng = np.random.default_rng(seed)
    layers, directions = shape.get("num_layers", 1), 2 if shape.get("bidirectional") else 1
    state = {}
    for layer in range(layers):
        for suffix in ["", "_reverse"][:directions]:
            columns = input_size if layer == 0 else directions * hidden_size
            for name, size in [
                ("weight_ih", (columns,)),
                ("weight_hh", (hidden_size,)),
                ("bias_ih", ()),
                ("bias_hh", ()),
            ]:
                values = rng.uniform(-1, 1, (4 * hidden_size, *size))
                state[f"{name}_l{layer}{suffix}"] = -np.abs(values) * 0.999 if negative else values
    return {"state_dict": state, "x": rng.uniform(-1, 1, (steps, input_size))}


def with_target(name: str, lr: float | None = 0.1) -> dict[str, Any]:
    """The sample ``name`` with a target of its output's shape (and a learning rate), as a document."""
    document: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    example = lstm_latex.load(document)
    shape = (example.inputs.x.shape[0], example.network.num_directions * example.network.output_size)
    document["target"] = np.random.default_rng(5).uniform(-1, 1, shape).round(2).tolist()
    return document | ({} if lr is None else {"lr": lr})
