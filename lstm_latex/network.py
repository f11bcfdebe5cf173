"""Layers x directions x steps: the loop every cell shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .cells import CELLS, Cell
from .cells.common import split_params
from .errors import InputError
from .model import Array, DirectionParams, DirectionTrace, Example, GateStack, Step, Trace


def forward(example: Example, progress: Callable[[], None] | None = None) -> Trace:
    """Run the network on its inputs in float64 and keep every intermediate.

    ``progress`` is called after each step of each layer and direction.

    Layer l > 0 reads the output sequence of layer l - 1 (both directions concatenated);
    a reverse direction runs from t = T down to 1. Results have torch's unbatched shapes.
    """
    network, inputs = example.network, example.inputs
    cell = CELLS[network.cell]
    directions: list[DirectionTrace] = []
    layer_input = inputs.x  # (T, I)
    for layer in range(network.num_layers):
        outputs = []
        for d in range(network.num_directions):
            index = layer * network.num_directions + d
            params = network.directions[index]
            c0 = None if inputs.c0 is None else inputs.c0[index]
            # Finite but huge weights can overflow to inf; that is refused below, without warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                trace = _run_direction(cell, params, layer_input, inputs.h0[index], c0, progress)
            _require_finite(trace, example.source)
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
    cell: Cell, params: DirectionParams, xs: Array, h0: Array, c0: Array | None, progress: Callable[[], None] | None
) -> DirectionTrace:
    # The input projections of all steps in one matrix product; each step then needs only W_hh h.
    input_affine = xs @ params.weight_ih.T  # (T, G·H)
    if params.bias_ih is not None:
        input_affine += params.bias_ih
    order = range(xs.shape[0] - 1, -1, -1) if params.reverse else range(xs.shape[0])
    steps: list[Step] = []
    h, c = h0, c0
    output = np.empty((xs.shape[0], h0.shape[0]))  # (T, H_out)
    for t in order:
        step = cell.step(params, t + 1, xs[t], input_affine[t], h, c)
        if progress is not None:
            progress()
        steps.append(step)
        h, c = step.h, step.c
        output[t] = h
    return DirectionTrace(params=params, gates=split_params(params, cell.gates), steps=tuple(steps), output=output)


def _require_finite(trace: DirectionTrace, source: str) -> None:
    """Every intermediate must be a float64 number: inf or nan would print as text no one can check.

    One array per field of the step records (gate stacks by their preactivation, which is inf or nan
    whenever a part of it is), checked at once: this runs on every step of a long trace.
    """
    for field in dataclasses.fields(trace.steps[0]):  # type: ignore[arg-type]
        first = getattr(trace.steps[0], field.name)
        if isinstance(first, GateStack):
            values = np.stack([getattr(step, field.name).preactivation for step in trace.steps])
        elif isinstance(first, np.ndarray):
            values = np.stack([getattr(step, field.name) for step in trace.steps])
        else:
            continue
        finite = np.isfinite(values).reshape(len(trace.steps), -1)
        if not finite.all():
            row, column = (int(k) for k in np.argwhere(~finite)[0])
            name = field.name
            if isinstance(first, GateStack):
                name = f"gate {first.names[column * len(first.names) // finite.shape[1]]}"
            params = trace.params
            where = f"layer {params.layer}{' reverse' if params.reverse else ''}, t = {trace.steps[row].t}"
            raise InputError(
                f"{source}: the forward pass overflows float64 ({name} at {where}): weights or inputs too large"
            )
