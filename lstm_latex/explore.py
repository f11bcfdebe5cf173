"""What a reader of the web page can point at: each entry a gate's chain computes, the entries it
is computed from, and its own arithmetic, for the page's script (templates/partials/page.js.j2)
to light up. Decided here from the trace; the page finds a chain's matrices by their order in its
display and checks that each prints the numbers listed here before it marks anything."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .cells import Cell, GruGrad, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from .latex import NumberFormat
from .model import Array, Gate, GateParams
from .selection import Selection
from .view.directions import LabelledDirection, LabelledGradients

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # an activation as the arithmetic line names it
# A matrix of the display (by its order there), a row and a column of it; and the chain of another
# display, for a forward value a backward entry uses.
Place = tuple[int, int, int] | tuple[int, int, int, int]
Shown = Callable[[float], str]  # a number of a chain's line of arithmetic, as its matrix prints it
_MATRIX = re.compile(r"\\left\[\\begin\{array\}\{[rlc]*\}(.*)\\end\{array\}\\right\]", re.DOTALL)  # its entries
Ref = tuple[int, int]  # a matrix of another display: its chain's place in the page's list, the matrix's in the chain


@dataclass(frozen=True)
class Entry:
    """An entry a chain computes, where it is, where its operands are, and its arithmetic."""

    at: Place
    uses: tuple[Place, ...]
    arithmetic: str


@dataclass(frozen=True)
class Chain:
    """A display's chain of arithmetic: its matrices' printed entries, row by row, in the display's
    order, and the entries it computes."""

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
    at = {name: place for place, name in enumerate(arrays)}  # each matrix's place in the display

    def entries(k: int, number: Shown) -> list[Entry]:
        found = []
        for side, vector in (("i", "x"), ("h", "h")):
            W, v, b = arrays[f"W_{side}"], arrays[vector], arrays.get(f"b_{side}")
            row = [(at[f"W_{side}"], k, j) for j in range(W.shape[1])]
            column = [(at[vector], j, 0) for j in range(v.shape[0])]
            bias = [] if b is None else [(at[f"b_{side}"], k, 0)]
            affine = arrays[f"{vector}_affine"][k]
            arithmetic = _sum(list(zip(W[k], v, strict=True)), [] if b is None else [b[k]], affine, number)
            found.append(Entry((at[f"{vector}_affine"], k, 0), (*row, *column, *bias), arithmetic))
        parts = ((at["x_affine"], k, 0), (at["h_affine"], k, 0))
        summed = _sum([], [g.input_affine[k], g.hidden_affine[k]], g.preactivation[k], number)
        applied = f"{FUNCTIONS[function]}({number(g.preactivation[k])}) = {number(g.activation[k])}"
        return [*found, Entry((at["z"], k, 0), parts, summed), Entry((at["a"], k, 0), ((at["z"], k, 0),), applied)]

    return _chain(list(arrays.values()), numbers, entries)


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
            lambda k, number: [
                Entry(
                    (4, k, 0),
                    ((0, k, 0), (1, k, 0)),
                    _sum([(s.f.activation[k], s.c_prev[k])], [], s.forget_term[k], number),
                ),
                Entry(
                    (5, k, 0),
                    ((2, k, 0), (3, k, 0)),
                    _sum([(s.i.activation[k], s.g.activation[k])], [], s.input_term[k], number),
                ),
                Entry((6, k, 0), ((4, k, 0), (5, k, 0)), _sum([], [s.forget_term[k], s.input_term[k]], s.c[k], number)),
            ],
        ),
        _chain(
            hidden,
            numbers,
            lambda k, number: [
                Entry((3, k, 0), ((1, k, 0),), f"tanh({number(s.c[k])}) = {number(s.tanh_c[k])}"),
                Entry((4, k, 0), ((2, k, 0), (3, k, 0)), _sum([(s.o.activation[k], s.tanh_c[k])], [], s.h[k], number)),
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

    def used(k: int, *names: str) -> tuple[Place, ...]:
        return tuple((m, k, 0, chain) for chain, m in (forward[name] for name in names if name in forward))

    def gate(name: str, d: Array, factor: str) -> Chain | None:
        """∂L/∂k_t = d ⊙ a forward value (``factor``), then δ_k = ∂L/∂k_t ⊙ the activation's derivative."""
        a, grad = getattr(s, name).activation, getattr(g, name)
        value = s.tanh_c if factor == "tanh_c" else s.c_prev if factor == "c_prev" else getattr(s, factor).activation

        def entries(k: int, number: Shown) -> list[Entry]:
            n = _bracketed(number)
            dk, delta = grad.activation[k], grad.preactivation[k]
            derivative = f"(1 − {n(a[k])}²)" if name == "g" else f"{n(a[k])} · (1 − {n(a[k])})"
            return [
                Entry((2, k, 0), ((0, k, 0), (1, k, 0), *used(k, factor)), _sum([(d[k], value[k])], [], dk, number)),
                Entry(
                    (6, k, 0),
                    ((3, k, 0), (4, k, 0), (5, k, 0), *used(k, name)),
                    f"{number(dk)} · {derivative} = {number(delta)}",
                ),
            ]

        return _chain([d, value, grad.activation, grad.activation, a, a, grad.preactivation], numbers, entries)

    o = s.o.activation
    return [
        hidden_gradient(g, numbers),
        gate("o", g.dh, "tanh_c"),
        _chain(
            [g.dc_next, g.dh, o, s.tanh_c, s.tanh_c, g.dc],
            numbers,
            lambda k, number: [
                Entry(
                    (5, k, 0),
                    (*((m, k, 0) for m in range(5)), *used(k, "o", "tanh_c")),
                    # ∂L/∂c_t = from step t + 1 + ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t))
                    f"{number(g.dc_next[k])} + {_bracketed(number)(g.dh[k])} · {number(o[k])}"
                    f" · (1 − {_bracketed(number)(s.tanh_c[k])}²) = {number(g.dc[k])}",
                )
            ],
        ),
        gate("i", g.dc, "g"),
        gate("f", g.dc, "c_prev"),
        gate("g", g.dc, "i"),
    ]


def hidden_gradient(g: LstmGrad | GruGrad | RnnGrad, numbers: NumberFormat) -> Chain | None:
    """∂L/∂h_t = from the output (or the layer above) + from the next step, every cell's first backward display."""
    return _chain(
        [g.dh_output, g.dh_next, g.dh],
        numbers,
        lambda k, number: [
            Entry((2, k, 0), ((0, k, 0), (1, k, 0)), _sum([], [g.dh_output[k], g.dh_next[k]], g.dh[k], number))
        ],
    )


def rnn_backward(
    g: RnnGrad, s: RnnStep, numbers: NumberFormat, forward: Mapping[str, Ref], function: str
) -> list[Chain | None]:
    """An RNN step's backward displays as they print: ∂L/∂h_t, then (for tanh) δ_t = ∂L/∂h_t ⊙ (1 − h_t ⊙ h_t),
    which uses h_t, the forward step's activation; ReLU's derivative, [z_t > 0], is not marked."""
    h, delta = s.h, g.affine.preactivation

    def entries(k: int, number: Shown) -> list[Entry]:
        line = f"{number(g.dh[k])} · (1 − {_bracketed(number)(h[k])}²) = {number(delta[k])}"
        forward_h = [(forward["h"][1], k, 0, forward["h"][0])] if "h" in forward else []
        return [Entry((3, k, 0), ((0, k, 0), (1, k, 0), (2, k, 0), *forward_h), line)]

    return [
        hidden_gradient(g, numbers),
        *([_chain([g.dh, h, h, delta], numbers, entries)] if function == "tanh" else []),
    ]


def _chain(
    arrays: Sequence[Array], numbers: NumberFormat, entries: Callable[[int, Shown], list[Entry]]
) -> Chain | None:
    """A display of these matrices in this order, with the entries ``entries(k, number)`` computes
    at each index k of the last one, its numbers written by ``number`` as their matrices print them;
    None where a matrix prints a power of ten or leaves entries out."""
    printed = [_printed(array, numbers) for array in arrays]
    grids = [grid for grid in printed if grid is not None]
    if len(grids) < len(printed):
        return None
    # a number's text in its matrix: one text for equal floats (the same notation in every matrix)
    texts = {
        float(v): t for a, grid in zip(arrays, grids, strict=True) for v, t in zip(a.flat, _flat(grid), strict=True)
    }

    def number(value: float) -> str:
        return texts[float(value)].replace("-", "−")

    return Chain(tuple(grids), tuple(e for k in range(len(arrays[-1])) for e in entries(k, number)))


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
            at = forward.get((id(b.direction.trace), s.t), {})
            if isinstance(s, LstmStep) and isinstance(grad, LstmGrad):
                found += lstm_backward(s, grad, numbers, at)
            elif isinstance(s, RnnStep) and isinstance(grad, RnnGrad):
                found += rnn_backward(grad, s, numbers, at, cell.gate("h").function)
            elif isinstance(grad, GruGrad):
                found.append(hidden_gradient(grad, numbers))
    records = [None if c is None else {"matrices": c.matrices, "entries": [vars(e) for e in c.entries]} for c in found]
    return json.dumps(records, ensure_ascii=False).replace("<", "\\u003c")


def _t(step: Step) -> int:
    return step.t


def _printed(array: Array, numbers: NumberFormat) -> tuple[tuple[str, ...], ...] | None:
    """The entries of ``array`` as its matrix prints them on the page, row by row (a vector as a
    column), or None where it prints a power of ten before them or leaves some out."""
    matrix = _MATRIX.fullmatch(numbers.matrix(array, portable=True))
    if matrix is None or "\\" in matrix[1].replace(r"\\", ""):
        return None
    return tuple(tuple(entry.strip() for entry in row.split("&")) for row in matrix[1].split(r"\\"))


def _flat(grid: tuple[tuple[str, ...], ...]) -> list[str]:
    return [entry for row in grid for entry in row]


def _sum(products: Sequence[tuple[float, float]], added: Sequence[float], result: float, number: Shown) -> str:
    """``a · b + c · d + e = r``, each negative number but the first in parentheses."""
    values = [value for pair in products for value in pair] + list(added)
    shown = [_bracketed(number)(value) if k else number(value) for k, value in enumerate(values)]
    products_shown = [f"{shown[2 * k]} · {shown[2 * k + 1]}" for k in range(len(products))]
    return " + ".join([*products_shown, *shown[2 * len(products) :]]) + f" = {number(result)}"


def _bracketed(number: Shown) -> Shown:
    """``number``, a negative number in parentheses: one after an operator."""

    def bracketed(value: float) -> str:
        text = number(value)
        return f"({text})" if text.startswith("−") else text

    return bracketed
