"""What a reader of the web page can point at: each entry a gate's chain computes, the entries it
is computed from, and its own arithmetic, for the page's script (templates/partials/page.js.j2)
to light up. Decided here from the trace; the page finds a chain's matrices by their order in its
display and checks that each prints the numbers listed here before it marks anything."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .cells import Cell, Step
from .latex import NumberFormat
from .model import Array, Gate, GateParams
from .selection import Selection
from .view.directions import LabelledDirection

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # an activation as the arithmetic line names it
Place = tuple[int, int, int]  # a matrix of the display (by its order there), a row and a column of it


@dataclass(frozen=True)
class Entry:
    """An entry a chain computes, where it is, where its operands are, and its arithmetic."""

    at: Place
    uses: tuple[Place, ...]
    arithmetic: str


@dataclass(frozen=True)
class Chain:
    """A gate's chain: its matrices' printed entries, row by row, in the display's order, and the
    entries it computes."""

    matrices: tuple[tuple[tuple[str, ...], ...], ...]
    entries: tuple[Entry, ...]


def gate_chain(gp: GateParams, s: Step, g: Gate, numbers: NumberFormat, function: str) -> Chain | None:
    """Gate g's chain at step s as its display prints it: W_i x_t + b_i + W_h h_{t-1} + b_h (the
    biases where the network has them), the two affine parts, their sum and the activation of it;
    None where a matrix prints a power of ten or leaves entries out, whose entries the page cannot match."""
    shown = {
        "W_i": gp.weight_i,  # (H, I)
        "x": s.x,  # (I,)
        "b_i": gp.bias_i,  # (H,)
        "W_h": gp.weight_h,  # (H, H_out)
        "h": s.h_prev,  # (H_out,)
        "b_h": gp.bias_h,  # (H,)
        "x_affine": g.input_affine,  # W_i x_t + b_i, (H,)
        "h_affine": g.hidden_affine,  # W_h h_{t-1} + b_h, (H,)
        "z": g.preactivation,  # their sum, (H,)
        "a": g.activation,  # (H,)
    }
    arrays = {name: array for name, array in shown.items() if array is not None}
    printed = [_printed(array, numbers) for array in arrays.values()]
    if any(p is None for p in printed):
        return None
    at = {name: place for place, name in enumerate(arrays)}  # each matrix's place in the display
    entries: list[Entry] = []
    for k in range(g.activation.shape[0]):
        for side, vector in (("i", "x"), ("h", "h")):
            W, v, b = arrays[f"W_{side}"], arrays[vector], arrays.get(f"b_{side}")
            row = [(at[f"W_{side}"], k, j) for j in range(W.shape[1])]
            column = [(at[vector], j, 0) for j in range(v.shape[0])]
            bias = [] if b is None else [(at[f"b_{side}"], k, 0)]
            affine = arrays[f"{vector}_affine"][k]
            arithmetic = _sum(list(zip(W[k], v, strict=True)), [] if b is None else [b[k]], affine, numbers)
            entries.append(Entry((at[f"{vector}_affine"], k, 0), (*row, *column, *bias), arithmetic))
        parts = ((at["x_affine"], k, 0), (at["h_affine"], k, 0))
        summed = _sum([], [g.input_affine[k], g.hidden_affine[k]], g.preactivation[k], numbers)
        entries.append(Entry((at["z"], k, 0), parts, summed))
        z, a = (_minus(numbers.number(value[k])) for value in (g.preactivation, g.activation))
        entries.append(Entry((at["a"], k, 0), ((at["z"], k, 0),), f"{FUNCTIONS[function]}({z}) = {a}"))
    return Chain(tuple(p for p in printed if p is not None), tuple(entries))


def chains(directions: Iterable[LabelledDirection], selection: Selection, numbers: NumberFormat, cell: Cell) -> str:
    """The gate chains the steps' sections show, in their order, as the page's JSON (a chain the
    page cannot match: null; the GRU's n, whose hidden part the reset gate scales, too), safe
    inside a script element."""
    found = [
        None if g.name == cell.scaled else gate_chain(d.trace.gate(g.name), s, g, numbers, cell.gate(g.name).function)
        for d in directions
        if d.shown
        for s in selection.pick(d.trace.steps, lambda step: step.t)
        for g in s.gates
        if selection.shows_gate(g.name)
    ]
    records = [None if c is None else {"matrices": c.matrices, "entries": [vars(e) for e in c.entries]} for c in found]
    return json.dumps(records, ensure_ascii=False).replace("<", "\\u003c")


def _printed(array: Array, numbers: NumberFormat) -> tuple[tuple[str, ...], ...] | None:
    """The entries of ``array`` as its matrix prints them, row by row (a vector as a column), or
    None where it prints a power of ten before them or leaves some out."""
    grid = array[:, np.newaxis] if array.ndim == 1 else array
    if max(grid.shape) > numbers.max_size or numbers.notation(array)[0] != 0:
        return None
    return tuple(tuple(numbers.number(value) for value in row) for row in grid)


def _sum(products: Sequence[tuple[float, float]], added: Sequence[float], result: float, numbers: NumberFormat) -> str:
    """``a · b + c · d + e = r``, with a minus sign, each negative number but the first in parentheses."""
    shown = [_minus(numbers.number(value)) for pair in products for value in pair]
    shown += [_minus(numbers.number(value)) for value in added]
    shown = [f"({text})" if k and text.startswith("−") else text for k, text in enumerate(shown)]
    products_shown = [f"{shown[2 * k]} · {shown[2 * k + 1]}" for k in range(len(products))]
    return " + ".join([*products_shown, *shown[2 * len(products) :]]) + f" = {_minus(numbers.number(result))}"


def _minus(text: str) -> str:
    return text.replace("-", "−")
