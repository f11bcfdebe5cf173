"""What a reader of the web page can point at: each entry a gate's chain computes, the entries it
is computed from, and its own arithmetic, for the page's script (templates/partials/page.js.j2)
to light up. Decided here from the trace; the page finds a chain's matrices by their order in its
display and checks that each prints the numbers listed here before it marks anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .cells import Cell, LstmGrad, LstmStep, Step
from .latex import NumberFormat
from .model import Array, Gate, GateParams
from .selection import Selection
from .view.directions import LabelledDirection, LabelledGradients

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # an activation as the arithmetic line names it
# A matrix of the display (by its order there), a row and a column of it; and the chain of another
# display, for a forward value a backward entry uses.
Place = tuple[int, int, int] | tuple[int, int, int, int]
Ref = tuple[int, int]  # a matrix of another display: its chain's place in the page's list, the matrix's in the chain


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
        z, a = (_number(value[k], numbers) for value in (g.preactivation, g.activation))
        entries.append(Entry((at["a"], k, 0), ((at["z"], k, 0),), f"{FUNCTIONS[function]}({z}) = {a}"))
    return Chain(tuple(p for p in printed if p is not None), tuple(entries))


def lstm_states(s: LstmStep, numbers: NumberFormat) -> list[Chain | None]:
    """An LSTM step's state updates as their displays print them: c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    (the two products, then their sum), and h_t = o_t ⊙ tanh(c_t) (tanh(c_t), then the product);
    none with a projection, whose display has W_hr's product too."""
    if s.h_unprojected is not None:
        return []
    cell = [s.f.activation, s.c_prev, s.i.activation, s.g.activation, s.forget_term, s.input_term, s.c]
    hidden = [s.o.activation, s.c, s.o.activation, s.tanh_c, s.h]
    return [
        _chain(
            cell,
            numbers,
            lambda k: [
                Entry(
                    (4, k, 0),
                    ((0, k, 0), (1, k, 0)),
                    _sum([(s.f.activation[k], s.c_prev[k])], [], s.forget_term[k], numbers),
                ),
                Entry(
                    (5, k, 0),
                    ((2, k, 0), (3, k, 0)),
                    _sum([(s.i.activation[k], s.g.activation[k])], [], s.input_term[k], numbers),
                ),
                Entry(
                    (6, k, 0), ((4, k, 0), (5, k, 0)), _sum([], [s.forget_term[k], s.input_term[k]], s.c[k], numbers)
                ),
            ],
        ),
        _chain(
            hidden,
            numbers,
            lambda k: [
                Entry((3, k, 0), ((1, k, 0),), f"tanh({_number(s.c[k], numbers)}) = {_number(s.tanh_c[k], numbers)}"),
                Entry((4, k, 0), ((2, k, 0), (3, k, 0)), _sum([(s.o.activation[k], s.tanh_c[k])], [], s.h[k], numbers)),
            ],
        ),
    ]


def lstm_backward(s: LstmStep, g: LstmGrad, numbers: NumberFormat, forward: Mapping[str, Ref]) -> list[Chain | None]:
    """An LSTM step's backward displays as they print: ∂L/∂h_t, then the output gate's ∂L/∂o_t and
    δ_o, ∂L/∂c_t, and the input gate's, the forget gate's and the cell candidate's. An entry uses
    the entries its arithmetic reads in its own display and, where ``forward`` has them (a name:
    its chain and matrix), the forward values in theirs: o_t, tanh(c_t), i_t, f_t, g_t, c_{t-1}.
    None with a projection, whose displays have W_hr's product too."""
    if s.h_unprojected is not None:
        return []

    def n(value: float, first: bool = False) -> str:
        """A number of a line, in parentheses where it is negative and not the line's first or result."""
        text = _number(value, numbers)
        return f"({text})" if text.startswith("−") and not first else text

    def used(k: int, *names: str) -> tuple[Place, ...]:
        return tuple((m, k, 0, chain) for chain, m in (forward[name] for name in names if name in forward))

    def gate(name: str, d: Array, factor: str) -> Chain | None:
        """∂L/∂k_t = d ⊙ a forward value (``factor``), then δ_k = ∂L/∂k_t ⊙ the activation's derivative."""
        a, grad = getattr(s, name).activation, getattr(g, name)
        value = s.tanh_c if factor == "tanh_c" else s.c_prev if factor == "c_prev" else getattr(s, factor).activation

        def entries(k: int) -> list[Entry]:
            dk, delta = grad.activation[k], grad.preactivation[k]
            derivative = f"(1 − {n(a[k])}²)" if name == "g" else f"{n(a[k])} · (1 − {n(a[k])})"
            return [
                Entry((2, k, 0), ((0, k, 0), (1, k, 0), *used(k, factor)), _sum([(d[k], value[k])], [], dk, numbers)),
                Entry(
                    (6, k, 0),
                    ((3, k, 0), (4, k, 0), (5, k, 0), *used(k, name)),
                    f"{n(dk, True)} · {derivative} = {n(delta, True)}",
                ),
            ]

        return _chain([d, value, grad.activation, grad.activation, a, a, grad.preactivation], numbers, entries)

    o = s.o.activation
    return [
        _chain(
            [g.dh_output, g.dh_next, g.dh],
            numbers,
            lambda k: [
                Entry((2, k, 0), ((0, k, 0), (1, k, 0)), _sum([], [g.dh_output[k], g.dh_next[k]], g.dh[k], numbers))
            ],
        ),
        gate("o", g.dh, "tanh_c"),
        _chain(
            [g.dc_next, g.dh, o, s.tanh_c, s.tanh_c, g.dc],
            numbers,
            lambda k: [
                Entry(
                    (5, k, 0),
                    (*((m, k, 0) for m in range(5)), *used(k, "o", "tanh_c")),
                    # ∂L/∂c_t = from step t + 1 + ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t))
                    f"{n(g.dc_next[k], True)} + {n(g.dh[k])} · {n(o[k])} · (1 − {n(s.tanh_c[k])}²)"
                    f" = {n(g.dc[k], True)}",
                )
            ],
        ),
        gate("i", g.dc, "g"),
        gate("f", g.dc, "c_prev"),
        gate("g", g.dc, "i"),
    ]


def _chain(arrays: Sequence[Array], numbers: NumberFormat, entries: Callable[[int], list[Entry]]) -> Chain | None:
    """A display of vectors in this order, with the entries ``entries(k)`` computes at each index k."""
    printed = [_printed(array, numbers) for array in arrays]
    if any(p is None for p in printed):
        return None
    return Chain(
        tuple(p for p in printed if p is not None), tuple(e for k in range(len(arrays[-1])) for e in entries(k))
    )


def chains(
    directions: Iterable[LabelledDirection],
    selection: Selection,
    numbers: NumberFormat,
    cell: Cell,
    backward: Iterable[LabelledGradients] | None,
) -> str:
    """The chains the steps' sections show, forward then backward, in their order, as the page's
    JSON (a chain the page cannot match: null; the GRU's n, whose hidden part the reset gate
    scales, too), safe inside a script element."""
    found: list[Chain | None] = []
    forward: dict[tuple[int, int], dict[str, Ref]] = {}  # a direction's step: its forward values' places
    for d in directions:
        for s in selection.pick(d.trace.steps, _t) if d.shown else []:
            at = forward.setdefault((id(d.trace), s.t), {})
            for g in s.gates:
                if selection.shows_gate(g.name):
                    chain = (
                        None
                        if g.name == cell.scaled
                        else gate_chain(d.trace.gate(g.name), s, g, numbers, cell.gate(g.name).function)
                    )
                    if chain is not None:
                        at[g.name] = (len(found), len(chain.matrices) - 1)  # its activation, the chain's last matrix
                    found.append(chain)
            states = lstm_states(s, numbers) if isinstance(s, LstmStep) else []
            # c_{t-1} in the cell state's display, tanh(c_t) in the hidden state's
            for chain, (name, m) in zip(states, [("c_prev", 1), ("tanh_c", 3)][: len(states)], strict=True):
                if chain is not None:
                    at[name] = (len(found), m)
                found.append(chain)
    for b in backward or []:
        for s, grad in b.shown_steps if b.direction.shown else []:
            if isinstance(s, LstmStep) and isinstance(grad, LstmGrad):
                found += lstm_backward(s, grad, numbers, forward.get((id(b.direction.trace), s.t), {}))
    records = [None if c is None else {"matrices": c.matrices, "entries": [vars(e) for e in c.entries]} for c in found]
    return json.dumps(records, ensure_ascii=False).replace("<", "\\u003c")


def _t(step: Step) -> int:
    return step.t


def _printed(array: Array, numbers: NumberFormat) -> tuple[tuple[str, ...], ...] | None:
    """The entries of ``array`` as its matrix prints them, row by row (a vector as a column), or
    None where it prints a power of ten before them or leaves some out."""
    grid = array[:, np.newaxis] if array.ndim == 1 else array
    if max(grid.shape) > numbers.max_size or numbers.notation(array)[0] != 0:
        return None
    return tuple(tuple(numbers.number(value) for value in row) for row in grid)


def _sum(products: Sequence[tuple[float, float]], added: Sequence[float], result: float, numbers: NumberFormat) -> str:
    """``a · b + c · d + e = r``, with a minus sign, each negative number but the first in parentheses."""
    shown = [_number(value, numbers) for pair in products for value in pair]
    shown += [_number(value, numbers) for value in added]
    shown = [f"({text})" if k and text.startswith("−") else text for k, text in enumerate(shown)]
    products_shown = [f"{shown[2 * k]} · {shown[2 * k + 1]}" for k in range(len(products))]
    return " + ".join([*products_shown, *shown[2 * len(products) :]]) + f" = {_number(result, numbers)}"


def _number(value: float, numbers: NumberFormat) -> str:
    """A number as the page's line of arithmetic prints it, as its matrix does, with a minus sign."""
    return numbers.number(value).replace("-", "−")
