"""Networks made up for the typesetting tests: random weights of any size, in the JSON format."""

from __future__ import annotations

from typing import Any

import numpy as np


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
