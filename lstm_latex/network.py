"""Layers x directions x steps: the loop every cell shares."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .cells import CELLS, Cell, Step
from .cells.common import Rounding, affine, exact, split_params
from .errors import InputError
from .model import Array, DirectionParams, DirectionTrace, Example, Trace


def forward(example: Example, progress: Callable[[], None] | None = None, rounded: Rounding = exact) -> Trace[Step]:
    """Run the network on its inputs in float64 and keep every intermediate.

    ``progress`` is called after each step of each layer and direction. ``rounded`` is applied to
    every value computed (see cells.common.Rounding): exact by default; lstm_latex.hand rounds.

    Layer l > 0 reads the output sequence of layer l - 1 (both directions concatenated);
    a reverse direction runs from t = T down to 1. Results have torch's unbatched shapes.
    Raises InputError when a value overflows float64.
    """
    network, inputs = example.network, example.inputs
    cell = CELLS[network.cell]
    directions: list[DirectionTrace[Step]] = []
    layer_input = inputs.x  # (T, I)
    for layer in range(network.num_layers):
        outputs = []
        for d in range(network.num_directions):
            index = layer * network.num_directions + d
            c0 = None if inputs.c0 is None else inputs.c0[index]
            # Finite but huge weights can overflow to inf: refused by _require_finite, without warnings.
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    trace = _run_direction(
                        cell, network.directions[index], layer_input, inputs.h0[index], c0, progress, rounded
                    )
            except InputError as error:
                raise error.within(example.source) from None
            directions.append(trace)
            outputs.append(trace.output)
        layer_input = np.concatenate(outputs, axis=1)  # (T, D·H_out)
    last_steps = [trace.steps[-1] for trace in directions]
    return Trace(
        example=example,
        directions=tuple(directions),
        output=layer_input,
        h_n=np.stack([s.h for s in last_steps]),
        c_n=np.stack([s.c for s in last_steps if s.c is not None]) if cell.has_cell_state else None,
    )


def _run_direction(
    cell: Cell,
    params: DirectionParams,
    xs: Array,
    h0: Array,
    c0: Array | None,
    progress: Callable[[], None] | None,
    rounded: Rounding,
) -> DirectionTrace[Step]:
    # W_ih x_t + b_ih of every step in one matrix product: it does not depend on the recurrence.
    x_affine = rounded(affine(xs, params.weight_ih.T, params.bias_ih))  # (T, G·H)
    seq_len = xs.shape[0]
    order = range(seq_len - 1, -1, -1) if params.reverse else range(seq_len)
    steps = []
    h, c = h0, c0
    for t in order:
        step = cell.step(params, t + 1, xs[t], x_affine[t], h, c, rounded)
        _require_finite(step, params)
        steps.append(step)
        h, c = step.h, step.c
        if progress is not None:
            progress()
    output = np.stack([step.h for step in sorted(steps, key=lambda s: s.t)])  # (T, H_out), in time order
    return DirectionTrace(params, split_params(params, cell.gate_names), tuple(steps), output)


def _require_finite(step: Step, params: DirectionParams) -> None:
    """Every intermediate must be a float64 number: inf or nan would print as text no one can check.

    The gates' preactivations and h_t are enough to look at: an inf in either affine part makes
    the preactivation inf or nan; σ, tanh and ReLU of a finite number are finite; the cell's other
    intermediates are products and sums of those, bounded by them, and W_hr's product is h_t.
    """
    overflowed = [gate.name for gate in step.gates if not np.isfinite(gate.preactivation).all()]
    if not overflowed and np.isfinite(step.h).all():
        return
    name = f"gate {overflowed[0]}" if overflowed else "h"
    where = f"layer {params.layer}{' reverse' if params.reverse else ''}, t = {step.t}"
    raise InputError(f"the forward pass overflows float64 ({name} at {where}): weights or inputs too large")
