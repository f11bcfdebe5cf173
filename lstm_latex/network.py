"""Layers x directions x steps: the loop every cell shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from .cells import CELLS, Cell
from .cells.common import HiddenAffine, StepArrays, empty_aligned, split_params
from .errors import InputError
from .model import Array, DirectionParams, DirectionTrace, Example, Step, Trace


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
                trace = _run_direction(cell, params, layer_input, inputs.h0[index], c0, progress, example.source)
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
    source: str,
) -> DirectionTrace:
    # The input projections of all steps in one matrix product; each step then needs only W_hh h.
    input_affine = xs @ params.weight_ih.T  # (T, G·H)
    if params.bias_ih is not None:
        input_affine += params.bias_ih
    hidden_affine = HiddenAffine(params)
    order = range(xs.shape[0] - 1, -1, -1) if params.reverse else range(xs.shape[0])
    # Every step's intermediates, allocated at once: see cells.StepFunction.
    rows = empty_aligned((xs.shape[0], 3, input_affine.shape[1]))  # (T, 3, G·H)
    states = empty_aligned((xs.shape[0], cell.state_rows, input_affine.shape[1] // len(cell.gates)))  # (T, S, H)
    output = np.empty((xs.shape[0], h0.shape[0]))  # (T, H_out)
    h, c = h0, c0
    for t in order:
        hidden_affine(h, out=rows[t, 0])
        h, c = cell.step(params, input_affine[t], h, c, rows[t], states[t])
        output[t] = h
        if progress is not None:
            progress()
    _require_finite(rows, output, cell.gates, params, order, source)
    steps = StepRecords(cell, params, order, xs, input_affine, rows, states, output, h0, c0)
    return DirectionTrace(params=params, gates=split_params(params, cell.gates), steps=steps, output=output)


class StepRecords(Sequence[Step]):
    """A direction's steps in the order they ran, each record made when read, of views of the
    arrays the forward pass filled: the loop above stays arithmetic alone."""

    def __init__(
        self,
        cell: Cell,
        params: DirectionParams,
        order: range,
        xs: Array,
        input_affine: Array,
        rows: Array,
        states: Array,
        output: Array,
        h0: Array,
        c0: Array | None,
    ) -> None:
        self._cell, self._params, self._order = cell, params, order
        self._xs, self._input_affine, self._rows, self._states, self._output = xs, input_affine, rows, states, output
        self._h0, self._c0 = h0, c0

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        first, last = (self._order[0] + 1, self._order[-1] + 1) if self._order else (0, 0)
        return f"<{len(self)} {self._cell.title} steps, t = {first} to {last}>"

    @overload
    def __getitem__(self, index: int) -> Step: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Step]: ...
    def __getitem__(self, index: int | slice) -> Step | Sequence[Step]:
        if isinstance(index, slice):
            return [self[k] for k in range(len(self))[index]]
        k = range(len(self))[index]  # negative indices count from the end; IndexError past it
        t = self._order[k]
        h_prev, c_prev = self._h0, self._c0
        if k > 0:
            before = self._order[k - 1]
            h_prev = self._output[before]
            if self._cell.c_row is not None:
                c_prev = self._states[before, self._cell.c_row]
        return self._cell.record(
            self._params,
            StepArrays(
                t=t + 1,
                x=self._xs[t],
                input_affine=self._input_affine[t],
                h_prev=h_prev,
                c_prev=c_prev,
                rows=self._rows[t],
                states=self._states[t],
                h=self._output[t],
            ),
        )


def _require_finite(
    rows: Array, output: Array, names: tuple[str, ...], params: DirectionParams, order: range, source: str
) -> None:
    """Every intermediate must be a float64 number: inf or nan would print as text no one can check.

    Checking the gates' preactivations (rows[:, 1] of (T, 3, G·H)) and the outputs (T, H_out) is
    enough: the cells' other intermediates are bounded functions of finite gates, and W_hr's
    product is h_t itself.
    A sum of huge finite values may overflow too; then the search below finds nothing to refuse.
    """
    # The preactivations suffice for the rows: an inf in W_hh h + b_hh (or in W_ih x + b_ih) makes
    # the sum inf or nan, and σ, tanh and ReLU of a finite number are finite.
    if np.isfinite(rows[:, 1].sum() + output.sum()):  # any inf or nan makes the sum inf or nan
        return
    for t in order:  # the first step that overflowed, in the order the steps ran
        if not np.isfinite(rows[t]).all():
            column = int(np.argwhere(~np.isfinite(rows[t]))[0][1])
            name = f"gate {names[column * len(names) // rows.shape[2]]}"
        elif not np.isfinite(output[t]).all():
            name = "h"
        else:
            continue
        where = f"layer {params.layer}{' reverse' if params.reverse else ''}, t = {t + 1}"
        raise InputError(
            f"{source}: the forward pass overflows float64 ({name} at {where}): weights or inputs too large"
        )
